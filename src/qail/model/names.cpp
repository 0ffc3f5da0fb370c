#include "names.hpp"

namespace qail::model {

std::string QualifiedName::display() const {
    if (schema.empty() || schema == k_default_schema) {
        return name;
    }
    return schema + "." + name;
}

QualifiedName qualified(std::string schema, std::string name) {
    return QualifiedName{std::move(schema), std::move(name)};
}

QualifiedName qualified(const std::string& dotted) {
    size_t dot = dotted.find('.');
    if (dot == std::string::npos) {
        return QualifiedName{k_default_schema, dotted};
    }
    return QualifiedName{dotted.substr(0, dot), dotted.substr(dot + 1)};
}

} // namespace qail::model
