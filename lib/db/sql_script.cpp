#include "db/sql_script.hpp"

#include <cctype>

#include "util/strings.hpp"

namespace eq::db {

namespace {

bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

} // namespace

std::vector<ScriptStatement> split_script(std::string_view sql) {
    std::vector<ScriptStatement> out;
    std::string current;
    int line = 1;
    int start_line = 0;           // 0: no significant character yet
    std::size_t start_offset = 0; // where the statement's first significant character is
    std::size_t i = 0;
    const auto n = sql.size();

    const auto significant = [&] {
        if (start_line == 0) {
            start_line = line;
            start_offset = current.size();
        }
    };
    const auto take = [&](std::size_t count) {
        for (std::size_t k = 0; k < count && i < n; ++k, ++i) {
            if (sql[i] == '\n') {
                ++line;
            }
            current.push_back(sql[i]);
        }
    };
    const auto flush = [&] {
        const auto text = trim(std::string_view(current).substr(start_offset));
        if (!text.empty() && start_line != 0) {
            out.push_back({std::string(text), start_line});
        }
        current.clear();
        start_line = 0;
        start_offset = 0;
    };

    while (i < n) {
        const char c = sql[i];
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') {
                take(1);
            }
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int depth = 0;
            do {
                if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
                    ++depth;
                    take(2);
                } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
                    --depth;
                    take(2);
                } else {
                    take(1);
                }
            } while (i < n && depth > 0);
        } else if (c == '\'' || c == '"') {
            significant();
            const bool backslash = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                                   (i < 2 || !is_ident_char(sql[i - 2]));
            take(1);
            while (i < n) {
                if (backslash && sql[i] == '\\') {
                    take(2);
                } else if (sql[i] == c) {
                    take(1);
                    if (i < n && sql[i] == c) {
                        take(1); // doubled quote inside the literal
                    } else {
                        break;
                    }
                } else {
                    take(1);
                }
            }
        } else if (c == '$' && (i == 0 || !is_ident_char(sql[i - 1]))) {
            std::size_t j = i + 1;
            while (j < n && (std::isalpha(static_cast<unsigned char>(sql[j])) || sql[j] == '_' ||
                             (j > i + 1 && std::isdigit(static_cast<unsigned char>(sql[j]))))) {
                ++j;
            }
            if (j < n && sql[j] == '$') {
                significant();
                const std::string tag(sql.substr(i, j - i + 1));
                take(tag.size());
                const auto end = sql.find(tag, i);
                const std::size_t stop = end == std::string_view::npos ? n : end + tag.size();
                take(stop - i);
            } else {
                significant();
                take(1);
            }
        } else if (c == ';') {
            ++i;
            flush();
        } else {
            if (!std::isspace(static_cast<unsigned char>(c))) {
                significant();
            }
            take(1);
        }
    }
    flush();
    return out;
}

} // namespace eq::db
