#include "nodes/common/file_format.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/core/json_text.h"
#include "engine/core/utf8.h"
#include "nodes/common/file_values.h"
#include "nodes/common/json_row.h"

namespace riffle {

Result<FileFormat> resolveFileFormat(const std::string& param, const std::string& path) {
    if (param == "csv") return FileFormat::Csv;
    if (param == "jsonl") return FileFormat::Jsonl;
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (ext == ".csv") return FileFormat::Csv;
    if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return FileFormat::Jsonl;
    return Result<FileFormat>::error("cannot tell the format of `" + path +
                                     "` from its extension; set `format` to csv or jsonl");
}

Result<std::vector<Field>> parseSchemaList(const std::vector<std::string>& entries) {
    std::vector<Field> fields;
    for (size_t i = 0; i < entries.size(); ++i) {
        const std::string& e = entries[i];
        const size_t end = e.find_last_not_of(" \t");
        const size_t space =
            end == std::string::npos ? std::string::npos : e.find_last_of(" \t", end);
        const size_t nameEnd =
            space == std::string::npos ? std::string::npos : e.find_last_not_of(" \t", space);
        const size_t nameStart = e.find_first_not_of(" \t");
        if (space == std::string::npos || nameEnd == std::string::npos || nameStart > nameEnd)
            return Result<std::vector<Field>>::error(
                "`schema` entry `" + e + "` must be \"name type\", like \"latency_ms int\"");
        const std::string name = e.substr(nameStart, nameEnd - nameStart + 1);
        const std::string typeText = e.substr(space + 1, end - space);
        auto type = typeFromName(typeText);
        if (!type)
            return Result<std::vector<Field>>::error("`schema` entry `" + e + "`: unknown type `" +
                                                     typeText +
                                                     "` (use bool, int, float, string or time)");
        for (const auto& f : fields)
            if (f.name == name)
                return Result<std::vector<Field>>::error("`schema` names the field `" + name +
                                                         "` twice");
        fields.push_back({name, *type});
    }
    return fields;
}

Result<std::vector<std::string>> readCsvHeader(CsvReader& reader, const std::string& path) {
    using R = Result<std::vector<std::string>>;
    const auto kind = reader.next();
    if (kind == CsvReader::Kind::End) {
        if (!reader.inputError().empty()) return R::error(reader.inputError());
        return R::error("`" + path + "` is empty; a CSV file needs a header row of field names");
    }
    if (kind == CsvReader::Kind::Error)
        return R::error("the header of `" + path + "`, " + reader.error());
    std::vector<std::string> names;
    for (size_t i = 0; i < reader.fields().size(); ++i) {
        std::string name(reader.fields()[i].text);
        if (!isValidUtf8(name))
            return R::error("the header of `" + path +
                            "` has a field name that is not valid UTF-8");
        if (name.empty()) name = "column_" + std::to_string(i + 1);
        if (std::find(names.begin(), names.end(), name) != names.end())
            return R::error("the header of `" + path + "` names the field `" + name + "` twice");
        names.push_back(std::move(name));
    }
    return names;
}

Result<std::vector<Field>> inferFileSchema(const std::string& path, FileFormat format,
                                           size_t maxLineBytes, size_t maxRows) {
    using R = Result<std::vector<Field>>;
    auto input = FileInput::open(path);
    if (!input) return R::error(input.message());
    std::vector<Field> fields;
    if (format == FileFormat::Csv) {
        CsvReader reader(std::move(input.value()), maxLineBytes);
        auto header = readCsvHeader(reader, path);
        if (!header) return R::error(header.message());
        for (const auto& name : header.value()) fields.push_back({name, Type::Null});
        reader.setExpectedFields(fields.size());
        for (size_t rows = 0; rows < maxRows;) {
            const auto kind = reader.next();
            if (kind == CsvReader::Kind::End) break;
            ++rows;
            if (kind == CsvReader::Kind::Error) continue;
            for (size_t i = 0; i < fields.size(); ++i) {
                const CsvField& f = reader.fields()[i];
                if (f.isNull()) continue;
                fields[i].type =
                    widenType(fields[i].type,
                              f.quoted && f.text.empty() ? Type::String : classifyText(f.text));
            }
        }
    } else {
        LineReader lines(std::move(input.value()), maxLineBytes);
        size_t objects = 0;
        std::map<std::string, size_t, std::less<>> index;
        for (size_t rows = 0; rows < maxRows;) {
            const auto line = lines.next();
            if (line.kind == LineReader::Kind::End) break;
            if (line.kind != LineReader::Kind::Line ||
                line.text.find_first_not_of(" \t\r") == std::string_view::npos)
                continue;
            ++rows;
            // Json keeps keys sorted; the ordered parse gives the order of the file.
            Json obj;
            if (parseJsonInto(line.text, obj) || !obj.is_object()) continue;
            nlohmann::ordered_json ordered;
            if (parseJsonInto(line.text, ordered)) continue;
            ++objects;
            for (const auto& [key, unused] : ordered.items()) {
                auto it = index.find(key);
                if (it == index.end()) {
                    it = index.emplace(key, fields.size()).first;
                    fields.push_back({key, Type::Null});
                }
                fields[it->second].type =
                    widenType(fields[it->second].type, classifyJson(obj.at(key)));
            }
        }
        if (objects == 0) {
            if (!lines.inputError().empty()) return R::error(lines.inputError());
            return R::error("found no JSON object in the first " + std::to_string(maxRows) +
                            " lines of `" + path +
                            "` to infer the fields from; check the file or set `schema`");
        }
    }
    for (auto& f : fields)
        if (f.type == Type::Null) f.type = Type::String;
    return fields;
}

}  // namespace riffle
