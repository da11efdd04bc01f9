#include "ui/Format.h"

#include "http/Json.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace Nexus {
namespace Ui {

std::string prettyJson(const std::string& json)
{
	try
	{
		const Poco::Dynamic::Var value = Http::Json::parseStored(json);
		std::ostringstream out;
		Poco::JSON::Stringifier::stringify(value, out, 2);
		return out.str();
	}
	catch (const Poco::Exception&)
	{
		return json;
	}
}

} // namespace Ui
} // namespace Nexus
