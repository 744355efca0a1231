// The transforms: Normalize (element-wise, batch at once), ToTensor (a permute and a scale),
// Compose, the user lambdas and libtorch's Stack.
#include "ember/data/transforms.h"

#include <mutex>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/data/dataset.h"

namespace ember::data {

Transform::~Transform() = default;

Example<> Transform::apply_batch(Example<> batch) const {
  EMBER_CHECK(batch.data.defined() && batch.data.dim() >= 1, Shape,
              "Transform::apply_batch: expected a batch with a dim 0 of examples, got {}",
              batch.data.defined() ? batch.data.shape_str() : std::string("an undefined tensor"));
  const int64_t n = batch.data.size(0);
  std::vector<Example<>> examples;
  examples.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    examples.push_back(apply(Example<>(
        batch.data.select(0, i), batch.target.defined() ? batch.target.select(0, i) : Tensor())));
  }
  return collate(examples);
}

namespace transforms {

// ---- Normalize ----
struct NormalizeTransform::Cache {
  std::mutex mutex;
  Tensor mean, stddev;  // shaped [C], on the device and in the dtype they were last used with
};

NormalizeTransform::NormalizeTransform(std::vector<double> mean, std::vector<double> stddev)
    : mean_(std::move(mean)), stddev_(std::move(stddev)), cache_(std::make_shared<Cache>()) {
  EMBER_CHECK(!mean_.empty() && mean_.size() == stddev_.size(), Value,
              "Normalize: expected as many stddev values as mean values (at least one), got mean "
              "{} and stddev {}",
              mean_, stddev_);
  for (double s : stddev_) {
    EMBER_CHECK(s != 0.0, Value, "Normalize: stddev must not be zero, got {}", stddev_);
  }
}

Tensor NormalizeTransform::normalize(Tensor data, int64_t channel_dim) const {
  EMBER_CHECK(data.defined(), Value, "Normalize: the data tensor is undefined");
  Tensor x = data.is_floating_point() ? std::move(data) : data.to(kFloat32);
  // A tensor no one else can see (a freshly gathered batch, a converted copy) is normalised in
  // place: one pass over the batch and no second buffer.
  const bool owned = x.use_count() == 1 && x.storage().use_count() == 1 && !x.requires_grad();
  if (mean_.size() == 1) {
    return owned ? x.sub_(mean_[0]).div_(stddev_[0]) : x.sub(mean_[0]).div_(stddev_[0]);
  }
  const auto channels = static_cast<int64_t>(mean_.size());
  EMBER_CHECK(x.dim() > channel_dim && x.size(channel_dim) == channels, Shape,
              "Normalize: {} mean/stddev values need {} channels along dim {} of the data, but "
              "the data has shape {}",
              channels, channels, channel_dim, x.shape_str());
  Tensor mean, stddev;
  {
    std::lock_guard<std::mutex> lock(cache_->mutex);
    if (!cache_->mean.defined() || cache_->mean.device() != x.device() ||
        cache_->mean.dtype() != x.dtype()) {
      cache_->mean = tensor(mean_).to(x.device(), x.dtype());
      cache_->stddev = tensor(stddev_).to(x.device(), x.dtype());
    }
    mean = cache_->mean;
    stddev = cache_->stddev;
  }
  // [C] -> [C, 1, ..., 1], which broadcasts against the dims after the channel dim.
  std::vector<int64_t> shape(static_cast<size_t>(x.dim() - channel_dim), 1);
  shape[0] = channels;
  if (owned) return x.sub_(mean.view(shape)).div_(stddev.view(shape));
  return x.sub(mean.view(shape)).div_(stddev.view(shape));
}

Example<> NormalizeTransform::apply(Example<> example) const {
  example.data = normalize(std::move(example.data), 0);
  return example;
}

Example<> NormalizeTransform::apply_batch(Example<> batch) const {
  batch.data = normalize(std::move(batch.data), 1);
  return batch;
}

// ---- ToTensor ----
namespace {

Tensor image_to_tensor(const Tensor& image, bool batched) {
  EMBER_CHECK(image.defined(), Value, "ToTensor: the image tensor is undefined");
  const int64_t base = batched ? 1 : 0;
  EMBER_CHECK(image.dim() == base + 2 || image.dim() == base + 3, Shape,
              "ToTensor: expected {} image{} of shape {}[H, W, C] or {}[H, W], got {}",
              batched ? "a batch of" : "an", batched ? "s" : "", batched ? "[B] + " : "",
              batched ? "[B] + " : "", image.shape_str());
  EMBER_CHECK(image.dtype() == kUInt8 || image.is_floating_point(), DType,
              "ToTensor: expected uint8 (scaled to [0, 1]) or floating images, got {}",
              dtype_name(image.dtype()));
  Tensor hwc = image.dim() == base + 2 ? image.unsqueeze(-1) : image;
  Tensor chw = batched ? hwc.permute({0, 3, 1, 2}) : hwc.permute({2, 0, 1});
  if (image.dtype() == kUInt8) return chw.to(kFloat32).div_(255.0);
  return chw.contiguous();
}

}  // namespace

Example<> ToTensor::apply(Example<> example) const {
  example.data = image_to_tensor(example.data, false);
  return example;
}

Example<> ToTensor::apply_batch(Example<> batch) const {
  batch.data = image_to_tensor(batch.data, true);
  return batch;
}

// ---- Compose ----
Compose::Compose(std::vector<TransformPtr> transforms) : transforms_(std::move(transforms)) {
  for (size_t i = 0; i < transforms_.size(); ++i) {
    EMBER_CHECK(transforms_[i] != nullptr, Value, "Compose: transform {} is null", i);
  }
}

Example<> Compose::apply(Example<> example) const {
  for (const TransformPtr& t : transforms_) example = t->apply(std::move(example));
  return example;
}

Example<> Compose::apply_batch(Example<> batch) const {
  for (const TransformPtr& t : transforms_) batch = t->apply_batch(std::move(batch));
  return batch;
}

// ---- lambdas ----
LambdaTransform::LambdaTransform(std::function<Example<>(Example<>)> fn) : fn_(std::move(fn)) {
  EMBER_CHECK(static_cast<bool>(fn_), Value, "Lambda: the function is empty");
}

Example<> LambdaTransform::apply(Example<> example) const {
  return fn_(std::move(example));
}

TensorLambdaTransform::TensorLambdaTransform(std::function<Tensor(Tensor)> fn, bool batchwise)
    : fn_(std::move(fn)), batchwise_(batchwise) {
  EMBER_CHECK(static_cast<bool>(fn_), Value, "TensorLambda: the function is empty");
}

Example<> TensorLambdaTransform::apply(Example<> example) const {
  example.data = fn_(std::move(example.data));
  return example;
}

Example<> TensorLambdaTransform::apply_batch(Example<> batch) const {
  if (!batchwise_) return Transform::apply_batch(std::move(batch));
  batch.data = fn_(std::move(batch.data));
  return batch;
}

// ---- Stack ----
Example<> StackTransform::apply(Example<> example) const {
  return example;
}

Example<> StackTransform::apply_batch(Example<> batch) const {
  return batch;
}

}  // namespace transforms
}  // namespace ember::data
