// Transforms: functions applied to each example of a data set (data::map), also applicable to a
// whole collated batch at once. Normalize, ToTensor, Compose, Lambda and TensorLambda, plus
// libtorch's Stack (collation, which Ember's loaders always do). Normalize, Stack, Lambda and
// TensorLambda are class templates with defaults only so that libtorch's spelling
// `transforms::Normalize<>(0.1307, 0.3081)` works; `transforms::Normalize(0.5, 0.5)` works too.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

#include "ember/data/example.h"

namespace ember::data {

class EMBER_API Transform {
 public:
  virtual ~Transform();
  // The transform of one example.
  virtual Example<> apply(Example<> example) const = 0;
  // The transform of a collated batch (examples along dim 0). The default applies apply() to
  // each example and stacks the results; element-wise transforms override it to work in one go.
  virtual Example<> apply_batch(Example<> batch) const;
};
using TransformPtr = std::shared_ptr<const Transform>;

namespace transforms {

// (data - mean) / stddev, with one mean and stddev for every value or one per channel (dim 0 of
// an example's data, dim 1 of a batch's; for 1-D feature vectors, one per feature). Integer data
// becomes float32 first. Targets pass unchanged.
class EMBER_API NormalizeTransform : public Transform {
 public:
  NormalizeTransform(std::vector<double> mean, std::vector<double> stddev);
  Example<> apply(Example<> example) const override;
  Example<> apply_batch(Example<> batch) const override;
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& stddev() const { return stddev_; }

 private:
  Tensor normalize(Tensor data, int64_t channel_dim) const;

  std::vector<double> mean_;
  std::vector<double> stddev_;
  struct Cache;
  std::shared_ptr<Cache> cache_;  // per-channel mean and stddev tensors of the last device/dtype
};

template <typename Target = Tensor>
class Normalize final : public NormalizeTransform {
 public:
  Normalize(double mean, double stddev) : NormalizeTransform({mean}, {stddev}) {}
  Normalize(std::vector<double> mean, std::vector<double> stddev)
      : NormalizeTransform(std::move(mean), std::move(stddev)) {}
};

// torchvision's ToTensor: uint8 images [H, W, C] (or [H, W]) become float32 [C, H, W] scaled to
// [0, 1]; floating images are only permuted. Batches [B, H, W, C] become [B, C, H, W].
class EMBER_API ToTensor final : public Transform {
 public:
  Example<> apply(Example<> example) const override;
  Example<> apply_batch(Example<> batch) const override;
};

// Several transforms in order.
class EMBER_API Compose final : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> transforms);
  template <typename... T>
  requires(sizeof...(T) > 0 && (std::is_base_of_v<Transform, std::decay_t<T>> &&
                                ...)) explicit Compose(T&&... transforms)
      : Compose(std::vector<TransformPtr>{
            std::make_shared<const std::decay_t<T>>(std::forward<T>(transforms))...}) {}
  Example<> apply(Example<> example) const override;
  Example<> apply_batch(Example<> batch) const override;

 private:
  std::vector<TransformPtr> transforms_;
};

// A user function of a whole example, applied to each example (a batch is split, transformed
// example by example, and stacked again).
class EMBER_API LambdaTransform : public Transform {
 public:
  explicit LambdaTransform(std::function<Example<>(Example<>)> fn);
  Example<> apply(Example<> example) const override;

 private:
  std::function<Example<>(Example<>)> fn_;
};

template <typename Input = Example<>, typename Output = Input>
class Lambda final : public LambdaTransform {
  static_assert(std::is_same_v<Input, Example<>> && std::is_same_v<Output, Example<>>,
                "ember::data::transforms::Lambda works on Example<>");

 public:
  explicit Lambda(std::type_identity_t<std::function<Output(Input)>> fn)
      : LambdaTransform(std::move(fn)) {}
};

// A user function of the data tensor (targets pass unchanged), applied to each example; with
// batchwise = true it is applied to a whole batch's data at once instead.
class EMBER_API TensorLambdaTransform : public Transform {
 public:
  explicit TensorLambdaTransform(std::function<Tensor(Tensor)> fn, bool batchwise = false);
  Example<> apply(Example<> example) const override;
  Example<> apply_batch(Example<> batch) const override;

 private:
  std::function<Tensor(Tensor)> fn_;
  bool batchwise_;
};

template <typename Target = Tensor>
class TensorLambda final : public TensorLambdaTransform {
 public:
  explicit TensorLambda(std::type_identity_t<std::function<Tensor(Tensor)>> fn,
                        bool batchwise = false)
      : TensorLambdaTransform(std::move(fn), batchwise) {}
};

// libtorch's Stack<>: collates examples into a batch. Ember's loaders always collate, so it
// changes nothing; it is accepted so that `.map(transforms::Stack<>())` ports unchanged.
class EMBER_API StackTransform : public Transform {
 public:
  Example<> apply(Example<> example) const override;
  Example<> apply_batch(Example<> batch) const override;
};

template <typename ExampleType = Example<>>
class Stack final : public StackTransform {};

}  // namespace transforms
}  // namespace ember::data
