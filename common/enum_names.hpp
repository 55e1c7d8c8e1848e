#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace fleet {

// An enum's words at the JSON edge, one table both ways.
template <typename Enum, std::size_t N>
class EnumNames {
public:
    constexpr explicit EnumNames(std::array<std::pair<Enum, std::string_view>, N> names) : names_(names) {}

    constexpr std::string_view operator()(Enum value) const {
        for (const auto& [e, name] : names_)
            if (e == value) return name;
        return "unknown";
    }
    constexpr std::optional<Enum> parse(std::string_view text) const {
        for (const auto& [e, name] : names_)
            if (name == text) return e;
        return std::nullopt;
    }

private:
    std::array<std::pair<Enum, std::string_view>, N> names_;
};

}  // namespace fleet
