// std::cout << tensor: the text of PyTorch's repr (torch/_tensor_str.py, default print options),
// followed by the shape, dtype and device, which Ember always prints:
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], size=[2, 2], dtype=float32, device=cpu)
// Number formatting follows torch's _Formatter: integers as they are; floating values with
// 4 decimals, in scientific notation when the largest and smallest non-zero finite magnitudes are
// more than 1000 apart, the largest exceeds 1e8 or the smallest is below 1e-4, and as "1." when
// every value is an integer; all columns share one width. Tensors of more than 1000 elements print
// 3 items at each edge of every dim with "..." between. Other devices are copied to the CPU first.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "ember/core/check.h"
#include "ember/core/shape_utils.h"
#include "ember/core/tensor.h"

namespace ember {
namespace {

// PyTorch's default print options.
constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int64_t kLineWidth = 80;

// A CPU tensor read element by element through its strides (views print without a copy).
class HostElements {
 public:
  explicit HostElements(const Tensor& t)
      : base_(static_cast<const char*>(t.data_ptr())),
        dtype_(t.dtype()),
        sizes_(t.sizes().begin(), t.sizes().end()),
        strides_(t.strides().begin(), t.strides().end()) {}

  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t size(int64_t d) const { return sizes_[static_cast<size_t>(d)]; }
  int64_t stride(int64_t d) const { return strides_[static_cast<size_t>(d)]; }
  DType dtype() const { return dtype_; }

  // The element at an offset (in elements from the first one) as a double (floating dtypes).
  double floating(int64_t offset) const {
    const char* p = base_ + offset * static_cast<int64_t>(element_size(dtype_));
    switch (dtype_) {
      case kFloat16:
        return static_cast<float>(*reinterpret_cast<const Half*>(p));
      case kBFloat16:
        return static_cast<float>(*reinterpret_cast<const BFloat16*>(p));
      case kFloat32:
        return *reinterpret_cast<const float*>(p);
      case kFloat64:
        return *reinterpret_cast<const double*>(p);
      default:
        return 0.0;
    }
  }

  // The element at an offset as an integer (integer dtypes and bool).
  int64_t integer(int64_t offset) const {
    const char* p = base_ + offset * static_cast<int64_t>(element_size(dtype_));
    switch (dtype_) {
      case kBool:
        return *reinterpret_cast<const bool*>(p) ? 1 : 0;
      case kUInt8:
        return *reinterpret_cast<const uint8_t*>(p);
      case kInt32:
        return *reinterpret_cast<const int32_t*>(p);
      case kInt64:
        return *reinterpret_cast<const int64_t*>(p);
      default:
        return 0;
    }
  }

 private:
  const char* base_;
  DType dtype_;
  std::vector<int64_t> sizes_, strides_;
};

// Whether dim d of a summarized tensor shows only its edges.
bool shows_edges_only(const HostElements& t, int64_t d, bool summarize) {
  return summarize && t.size(d) > 2 * kEdgeItems;
}

// The offsets of the elements that will be printed (torch's get_summarized_data).
void collect_visible(const HostElements& t, int64_t d, int64_t offset, bool summarize,
                     std::vector<int64_t>& out) {
  if (d == t.dim()) {
    out.push_back(offset);
    return;
  }
  const int64_t n = t.size(d);
  for (int64_t i = 0; i < n; ++i) {
    if (shows_edges_only(t, d, summarize) && i == kEdgeItems) i = n - kEdgeItems;
    collect_visible(t, d + 1, offset + i * t.stride(d), summarize, out);
  }
}

std::string printf_double(const char* format, double v) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), format, kPrecision, v);
  return buffer;
}

// Python's spelling of non-finite floats (printf would write "-nan" for a negative NaN).
std::string non_finite(double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

std::string fixed(double v) {
  return std::isfinite(v) ? printf_double("%.*f", v) : non_finite(v);
}
std::string scientific(double v) {
  return std::isfinite(v) ? printf_double("%.*e", v) : non_finite(v);
}
std::string whole(double v) {
  if (!std::isfinite(v)) return non_finite(v);
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), "%.0f", v);
  return buffer;
}

// torch's _Formatter: one number style and one column width for every printed element.
class Formatter {
 public:
  Formatter(const HostElements& t, const std::vector<int64_t>& visible) : t_(t) {
    floating_ = is_floating_point(t.dtype());
    if (!floating_) {
      for (int64_t offset : visible) width_ = std::max(width_, raw(offset).size());
      return;
    }
    std::vector<double> values;
    for (int64_t offset : visible) {
      const double v = t.floating(offset);
      if (std::isfinite(v) && v != 0.0) values.push_back(v);
    }
    if (values.empty()) return;
    double min_abs = std::fabs(values[0]), max_abs = min_abs;
    for (double v : values) {
      min_abs = std::min(min_abs, std::fabs(v));
      max_abs = std::max(max_abs, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    const bool wide_range = max_abs / min_abs > 1000.0 || max_abs > 1.0e8;
    sci_mode_ = int_mode_ ? wide_range : wide_range || min_abs < 1.0e-4;
    for (double v : values) {
      const size_t w = sci_mode_   ? scientific(v).size()
                       : int_mode_ ? whole(v).size() + 1
                                   : fixed(v).size();
      width_ = std::max(width_, w);
    }
  }

  size_t width() const { return width_; }

  // The element at offset, right-aligned to the common width.
  std::string format(int64_t offset) const {
    const std::string s = raw(offset);
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

 private:
  std::string raw(int64_t offset) const {
    if (!floating_) {
      const int64_t v = t_.integer(offset);
      if (t_.dtype() == kBool) return v ? "True" : "False";
      return std::to_string(v);
    }
    const double v = t_.floating(offset);
    if (sci_mode_) return scientific(v);
    if (int_mode_) return std::isfinite(v) ? whole(v) + "." : whole(v);
    return fixed(v);
  }

  const HostElements& t_;
  bool floating_ = false;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  size_t width_ = 1;
};

// "[" + the parts joined by separator + "]".
std::string bracketed(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out(1, '[');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  out += ']';
  return out;
}

// torch's _vector_str: a 1-D row, wrapped to the line width.
std::string vector_str(const HostElements& t, int64_t d, int64_t offset, int64_t indent,
                       bool summarize, const Formatter& f) {
  const int64_t element_length = static_cast<int64_t>(f.width()) + 2;
  const int64_t per_line = std::max<int64_t>(
      1, static_cast<int64_t>(std::floor(static_cast<double>(kLineWidth - indent) /
                                         static_cast<double>(element_length))));
  std::vector<std::string> data;
  const int64_t n = t.size(d);
  for (int64_t i = 0; i < n; ++i) {
    if (shows_edges_only(t, d, summarize) && i == kEdgeItems) {
      data.push_back(" ...");
      i = n - kEdgeItems;
    }
    data.push_back(f.format(offset + i * t.stride(d)));
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < data.size(); i += static_cast<size_t>(per_line)) {
    const auto end = std::min(data.size(), i + static_cast<size_t>(per_line));
    std::string line;
    for (size_t j = i; j < end; ++j) {
      if (j > i) line += ", ";
      line += data[j];
    }
    lines.push_back(std::move(line));
  }
  std::string separator(",\n");
  separator.append(static_cast<size_t>(indent) + 1, ' ');
  return bracketed(lines, separator);
}

// torch's _tensor_str_with_formatter: nested brackets, one blank line fewer per inner dim.
std::string tensor_str(const HostElements& t, int64_t d, int64_t offset, int64_t indent,
                       bool summarize, const Formatter& f) {
  const int64_t remaining = t.dim() - d;
  if (remaining == 0) return f.format(offset);
  if (remaining == 1) return vector_str(t, d, offset, indent, summarize, f);
  std::vector<std::string> slices;
  const int64_t n = t.size(d);
  for (int64_t i = 0; i < n; ++i) {
    if (shows_edges_only(t, d, summarize) && i == kEdgeItems) {
      slices.push_back("...");
      i = n - kEdgeItems;
    }
    slices.push_back(tensor_str(t, d + 1, offset + i * t.stride(d), indent + 1, summarize, f));
  }
  std::string separator(1, ',');
  separator.append(static_cast<size_t>(remaining - 1), '\n');
  separator.append(static_cast<size_t>(indent) + 1, ' ');
  return bracketed(slices, separator);
}

// torch's _add_suffixes: ", suffix" while the line has room, else on a new indented line.
std::string add_suffixes(std::string text, const std::vector<std::string>& suffixes,
                         int64_t indent) {
  const size_t newline = text.rfind('\n');
  // Python's len(s) - s.rfind("\n") + 1, where rfind gives -1 when there is no newline.
  int64_t last_line = static_cast<int64_t>(text.size()) + 1 -
                      (newline == std::string::npos ? -1 : static_cast<int64_t>(newline));
  for (const std::string& suffix : suffixes) {
    const int64_t length = static_cast<int64_t>(suffix.size());
    if (last_line + length + 2 > kLineWidth) {
      text += ",\n";
      text.append(static_cast<size_t>(indent), ' ');
      text += suffix;
      last_line = indent + length;
    } else {
      text += ", ";
      text += suffix;
      last_line += length + 2;
    }
  }
  return text + ")";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "[ Tensor (undefined) ]";
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::string body = "[]";
  if (t.numel() > 0) {
    const Tensor host = t.is_cpu() ? t : t.to(Device(kCPU));
    const HostElements elements(host);
    const bool summarize = t.numel() > kThreshold;
    std::vector<int64_t> visible;
    collect_visible(elements, 0, 0, summarize, visible);
    const Formatter formatter(elements, visible);
    body = tensor_str(elements, 0, 0, indent, summarize, formatter);
  }
  std::vector<std::string> suffixes = {fmt::format("size={}", detail::shape_string(t.sizes())),
                                       fmt::format("dtype={}", dtype_name(t.dtype())),
                                       fmt::format("device={}", t.device().str())};
  if (t.requires_grad()) suffixes.push_back("requires_grad=True");
  return os << add_suffixes(prefix + body, suffixes, indent);
}

}  // namespace ember
