#include "strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace qail {

namespace {
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
} // namespace

std::string_view trim_left(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && is_space(text[i])) {
        ++i;
    }
    return text.substr(i);
}

std::string_view trim_right(std::string_view text) {
    size_t n = text.size();
    while (n > 0 && is_space(text[n - 1])) {
        --n;
    }
    return text.substr(0, n);
}

std::string_view trim(std::string_view text) {
    return trim_right(trim_left(text));
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = lower(c);
    }
    return out;
}

bool equals_icase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

bool starts_with_icase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && equals_icase(text.substr(0, prefix.size()), prefix);
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t pos = text.find(separator, start);
        if (pos == std::string_view::npos) {
            parts.emplace_back(text.substr(start));
            break;
        }
        parts.emplace_back(text.substr(start, pos - start));
        start = pos + 1;
    }
    return parts;
}

std::string join(std::span<const std::string> parts, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += parts[i];
    }
    return out;
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    if (from.empty()) {
        return std::string(text);
    }
    size_t start = 0;
    while (true) {
        size_t pos = text.find(from, start);
        if (pos == std::string_view::npos) {
            out += text.substr(start);
            return out;
        }
        out += text.substr(start, pos - start);
        out += to;
        start = pos + from.size();
    }
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates) {
    // A typo changes at most about a third of a word; beyond that the
    // suggestion is more confusing than helpful.
    size_t best = std::max<size_t>(1, (word.size() + 2) / 3) + 1;
    std::optional<std::string> match;
    for (std::string_view candidate : candidates) {
        size_t distance = edit_distance(word, candidate);
        if (distance < best) {
            best = distance;
            match = std::string(candidate);
        }
    }
    return match;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
    auto match = closest_match(word, candidates);
    return match ? fmt::format("did you mean '{}'?", *match) : std::string();
}

std::string with_thousands(int64_t value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    int count = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (count > 0 && count % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(*it);
        ++count;
    }
    if (value < 0) {
        out.push_back('-');
    }
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace qail
