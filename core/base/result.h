// result.h - expected failures as values.
//
// Result<T> holds either a T or an Error. Error::kind says what the caller
// should do: Retry (a database, socket or disk problem that may go away:
// answer TEMP / 4xx / exit 75) or Config (an admin must fix something).
// Shaped after std::expected, which GCC 12 lacks, and after Postfix's
// DICT_ERR_RETRY / DICT_ERR_CONFIG. A "not found" answer is never an Error:
// lookups return Result<std::optional<std::string>>.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace core {

enum class ErrorKind { Retry, Config };

struct Error {
  ErrorKind kind = ErrorKind::Retry;
  std::string text;

  bool retry() const { return kind == ErrorKind::Retry; }
};

inline Error retry_error(std::string text) { return {ErrorKind::Retry, std::move(text)}; }
inline Error config_error(std::string text) { return {ErrorKind::Config, std::move(text)}; }

// Unit stands for "nothing" in Result<Unit>, our Status.
struct Unit {};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace core
