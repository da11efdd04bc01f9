#include "sso/CallbackParams.h"

#include "http/Request.h"

namespace Nexus {
namespace Sso {

CallbackParams CallbackParams::read(const Http::Request& request)
{
	CallbackParams params;
	if (auto state = request.query("state"); state && !state->empty() && state->size() <= kMaxStateLength)
		params.state = std::move(*state);
	if (auto error = request.query("error"))
	{
		std::string message = "the sign-in provider refused the sign-in: " + clip(*error);
		if (auto detail = request.query("error_description"); detail && !detail->empty())
			message += " (" + clip(*detail) + ")";
		params.refusal = std::move(message);
	}
	if (auto code = request.query("code"); code && !code->empty()) params.code = std::move(*code);
	return params;
}

std::string CallbackParams::clip(const std::string& text)
{
	std::string out;
	for (unsigned char c : text)
	{
		if (out.size() >= 200) break;
		out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
	}
	return out;
}

} // namespace Sso
} // namespace Nexus
