#pragma once

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <istream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Db {

/// Reading and binding the columns that may be NULL, one way for every store.
/// Columns and parameters are 1-based, as in Connector/C++.
namespace Row {

/// The column's text, or nullopt for SQL NULL.
inline std::optional<std::string> optionalString(sql::ResultSet& rs, int column)
{
	if (rs.isNull(column)) return std::nullopt;
	return std::string(rs.getString(column));
}

/// The column as an unsigned 32-bit number, or nullopt for SQL NULL.
inline std::optional<std::uint32_t> optionalUInt(sql::ResultSet& rs, int column)
{
	if (rs.isNull(column)) return std::nullopt;
	return rs.getUInt(column);
}

/// The column as an unsigned 64-bit number, or nullopt for SQL NULL.
inline std::optional<std::uint64_t> optionalUInt64(sql::ResultSet& rs, int column)
{
	if (rs.isNull(column)) return std::nullopt;
	return rs.getUInt64(column);
}

/// The bytes of a BLOB column; "" for SQL NULL.
inline std::string blob(sql::ResultSet& rs, int column)
{
	if (rs.isNull(column)) return {};
	std::unique_ptr<std::istream> in(rs.getBlob(column));
	return std::string(std::istreambuf_iterator<char>(*in), std::istreambuf_iterator<char>());
}

/// Binds value, or SQL NULL for nullopt.
inline void setOptionalString(sql::PreparedStatement& st, int index, const std::optional<std::string>& value)
{
	if (value)
		st.setString(index, *value);
	else
		st.setNull(index, sql::DataType::VARCHAR);
}

/// Binds value, or SQL NULL for nullopt.
inline void setOptionalUInt(sql::PreparedStatement& st, int index, const std::optional<std::uint32_t>& value)
{
	if (value)
		st.setUInt(index, *value);
	else
		st.setNull(index, sql::DataType::INTEGER);
}

/// Runs the query and reads every row with read(ResultSet&) -> T.
template <typename T, typename Read> std::vector<T> readAll(sql::PreparedStatement& st, Read read)
{
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	std::vector<T> rows;
	while (rs->next()) rows.push_back(read(*rs));
	return rows;
}

} // namespace Row
} // namespace Db
} // namespace Nexus
