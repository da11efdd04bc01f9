#pragma once

#include <stdexcept>
#include <string>

namespace Nexus {
namespace Oidc {

/// The errors of the OpenID Connect relying party, one type per thing the
/// caller does differently:
///
///     Error
///     ├── ConfigurationError   our settings, or a URL we were asked to use, are unusable: fix the configuration
///     ├── ProviderUnreachable  no answer from the provider (connect, TLS, timeout, 502/503/504): answer 503
///     ├── BadResponse          the provider answered something we refuse (status, size, JSON, discovery, JWKS)
///     └── TokenRejected        the ID token fails verification: the login fails
///         └── UnknownKey       its key is not in the JWKS: refetch the JWKS once, then verify again
///
/// Messages say what was wrong and name the field, claim or URL; they never
/// contain a token, a code, a client secret or a response body, so they may
/// be logged (they are not meant for the browser).
class Error : public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};

class ConfigurationError : public Error
{
public:
	using Error::Error;
};

class ProviderUnreachable : public Error
{
public:
	using Error::Error;
};

class BadResponse : public Error
{
public:
	using Error::Error;
};

class TokenRejected : public Error
{
public:
	using Error::Error;
};

class UnknownKey : public TokenRejected
{
public:
	using TokenRejected::TokenRejected;
};

} // namespace Oidc
} // namespace Nexus
