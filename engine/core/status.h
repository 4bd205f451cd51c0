#pragma once
// Expected-failure reporting for the engine: a Status carries an error message for the user,
// Result<T> a value or such a message. Exceptions never cross a thread boundary; these do.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace riffle {

class [[nodiscard]] Status {
public:
    Status() = default;
    static Status ok() { return {}; }
    static Status error(std::string message) {
        Status s;
        s.m_message = std::move(message);
        s.m_failed = true;
        return s;
    }
    bool isOk() const { return !m_failed; }
    explicit operator bool() const { return !m_failed; }
    const std::string& message() const { return m_message; }

private:
    std::string m_message;
    bool m_failed = false;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Status error) : m_value(std::move(error)) {}
    static Result error(std::string message) { return Result(Status::error(std::move(message))); }

    bool isOk() const { return m_value.index() == 0; }
    explicit operator bool() const { return isOk(); }
    T& value() & { return std::get<0>(m_value); }
    const T& value() const& { return std::get<0>(m_value); }
    T&& value() && { return std::get<0>(std::move(m_value)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const std::string& message() const {
        static const std::string kEmpty;
        return isOk() ? kEmpty : std::get<1>(m_value).message();
    }
    Status status() const { return isOk() ? Status::ok() : std::get<1>(m_value); }

private:
    std::variant<T, Status> m_value;
};

}  // namespace riffle
