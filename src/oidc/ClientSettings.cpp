#include "oidc/ClientSettings.h"

namespace Nexus {
namespace Oidc {

const char* authMethodName(AuthMethod method)
{
	switch (method)
	{
	case AuthMethod::kClientSecretBasic: return "client_secret_basic";
	case AuthMethod::kClientSecretPost: return "client_secret_post";
	}
	return "client_secret_basic";
}

std::optional<AuthMethod> authMethodNamed(const std::string& name)
{
	for (AuthMethod method : {AuthMethod::kClientSecretBasic, AuthMethod::kClientSecretPost})
		if (name == authMethodName(method)) return method;
	return std::nullopt;
}

} // namespace Oidc
} // namespace Nexus
