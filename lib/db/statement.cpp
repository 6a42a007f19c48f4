// Statement parameters: the contract is in db/statement.hpp.

#include "db/statement.hpp"

namespace eq::db {

Param to_param(const std::vector<Uuid>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) {
            out += ',';
        }
        out += ids[i].str();
    }
    out += '}';
    return out;
}

} // namespace eq::db
