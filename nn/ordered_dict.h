// OrderedDict: a map that remembers insertion order, like torch::OrderedDict. Modules keep their
// parameters, buffers and children in one, and named_parameters()/state_dict() return one, so a
// loop sees names in the order the module registered them (the order PyTorch uses too).
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/core/macros.h"

namespace ember {

namespace detail {
// Throws ember::ValueError with the message (out of line, keeps fmt out of this header).
[[noreturn]] EMBER_API void throw_ordered_dict_error(const std::string& message);
}  // namespace detail

template <typename Key, typename Value>
class OrderedDict {
 public:
  // One entry: item.key() and item.value(), like torch::OrderedDict::Item.
  class Item {
   public:
    Item(Key key, Value value) : pair_(std::move(key), std::move(value)) {}
    const Key& key() const { return pair_.first; }
    Value& value() { return pair_.second; }
    const Value& value() const { return pair_.second; }
    Value& operator*() { return pair_.second; }
    const Value& operator*() const { return pair_.second; }
    Value* operator->() { return &pair_.second; }
    const Value* operator->() const { return &pair_.second; }
    const std::pair<Key, Value>& pair() const { return pair_; }

   private:
    std::pair<Key, Value> pair_;
  };

  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;

  // key_description names the kind of key in error messages ("parameter", "buffer", ...).
  explicit OrderedDict(std::string key_description = "Key")
      : key_description_(std::move(key_description)) {}

  const std::string& key_description() const { return key_description_; }

  // Adds a new entry at the end; a key that is already there is an error.
  Value& insert(Key key, Value value) {
    if (index_.count(key) != 0) {
      detail::throw_ordered_dict_error(key_description_ + " '" + key_string(key) +
                                       "' already defined");
    }
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().value();
  }
  // Replaces the value of an existing key (keeping its place) or adds a new entry.
  Value& insert_or_assign(Key key, Value value) {
    if (Value* existing = find(key)) {
      *existing = std::move(value);
      return *existing;
    }
    return insert(std::move(key), std::move(value));
  }
  // Inserts every entry of other, in its order.
  void update(const OrderedDict& other) {
    for (const Item& item : other) insert(item.key(), item.value());
  }

  // The value of key, or null.
  Value* find(const Key& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].value();
  }
  const Value* find(const Key& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].value();
  }
  bool contains(const Key& key) const { return index_.count(key) != 0; }

  // The value of key; a missing key is an error naming it.
  Value& operator[](const Key& key) {
    if (Value* v = find(key)) return *v;
    detail::throw_ordered_dict_error(key_description_ + " '" + key_string(key) +
                                     "' is not defined");
  }
  const Value& operator[](const Key& key) const {
    if (const Value* v = find(key)) return *v;
    detail::throw_ordered_dict_error(key_description_ + " '" + key_string(key) +
                                     "' is not defined");
  }

  // Removes key (the later entries move up by one); a missing key is an error.
  void erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) {
      detail::throw_ordered_dict_error(key_description_ + " '" + key_string(key) +
                                       "' is not defined");
    }
    const size_t pos = it->second;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    index_.erase(it);
    for (size_t i = pos; i < items_.size(); ++i) index_[items_[i].key()] = i;
  }
  void clear() {
    items_.clear();
    index_.clear();
  }

  // Entries by position (insertion order).
  Item& operator[](size_t index) { return items_.at(index); }
  const Item& operator[](size_t index) const { return items_.at(index); }

  size_t size() const { return items_.size(); }
  bool is_empty() const { return items_.empty(); }
  bool empty() const { return items_.empty(); }
  void reserve(size_t n) {
    items_.reserve(n);
    index_.reserve(n);
  }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  Item& front() { return items_.front(); }
  Item& back() { return items_.back(); }
  const Item& front() const { return items_.front(); }
  const Item& back() const { return items_.back(); }

  const std::vector<Item>& items() const { return items_; }
  std::vector<Key> keys() const {
    std::vector<Key> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.key());
    return out;
  }
  std::vector<Value> values() const {
    std::vector<Value> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.value());
    return out;
  }
  std::vector<std::pair<Key, Value>> pairs() const {
    std::vector<std::pair<Key, Value>> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.pair());
    return out;
  }

 private:
  static std::string key_string(const Key& key) {
    if constexpr (std::is_convertible_v<const Key&, std::string>) {
      return std::string(key);
    } else {
      return std::to_string(key);
    }
  }

  std::string key_description_;
  std::vector<Item> items_;
  std::unordered_map<Key, size_t> index_;
};

}  // namespace ember
