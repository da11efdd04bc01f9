#pragma once

#include "audit/AuditLog.h"

#include <Poco/Timestamp.h>

#include <cstdint>
#include <optional>
#include <string>

namespace Nexus {
namespace Sso {

/// What the callback needs of a sign-in started by GET /api/auth/login.
struct LoginState
{
	std::string nonce;
	std::string codeVerifier; ///< PKCE
	std::string returnTo;     ///< a same-site path, checked when the login started
};

/// A signed-in person, as the session keeps them.
struct SessionUser
{
	std::string userId; ///< the provider's sub
	std::string name;
	std::string email;
	std::string image;
	std::string role; ///< "admin" or "viewer"
};

/// A live session. Times are MySQL DATETIME text (UTC).
struct Session
{
	std::uint64_t id = 0;
	SessionUser user;
	std::string idTokenRecord; ///< the provider's ID token, sealed (Vault::Envelope); "" for none
	std::string createdAt;
	std::string lastSeenAt;
	std::string expiresAt;
};

/// The SQL of browser sign-in: login states (single use, short-lived) and
/// sessions, both keyed by the SHA-256 of a random value the browser holds
/// (the state parameter, the session cookie), never the value itself.
/// Every call runs in Database::run (retried; ServiceUnavailable when the
/// database is gone) and commits before it returns.
class SessionStore
{
public:
	/// Stores a new login state that expires at expiresAt.
	static void saveLoginState(const std::string& stateHash, const LoginState& state, const Poco::Timestamp& expiresAt);

	/// Deletes the login state and returns it, or nullopt when there is none
	/// (unknown, already used, or expired): each state works once.
	static std::optional<LoginState> takeLoginState(const std::string& stateHash, const Poco::Timestamp& now);

	/// Records that userId signed in now with role; returns the role of
	/// their previous sign-in (nullopt for a first one). A role that differs
	/// from the previous one is a change of who may do what: roleChange's
	/// row (target "role:<previous>-><role>") is written in the same
	/// transaction.
	static std::optional<std::string> recordSignIn(const std::string& userId, const std::string& role,
	                                               const Poco::Timestamp& now, const Audit::Change& roleChange);

	/// Creates a session; returns its id.
	static std::uint64_t createSession(const std::string& tokenHash, const SessionUser& user,
	                                   const std::string& idTokenRecord, const Poco::Timestamp& now,
	                                   const Poco::Timestamp& expiresAt);

	/// The session of tokenHash when it is live at now: not past its
	/// absolute expiry and seen within idleSeconds. Marks it seen at now
	/// when it was last seen more than touchSeconds ago (so a busy browser
	/// does not write on every request).
	static std::optional<Session> findLive(const std::string& tokenHash, const Poco::Timestamp& now, int idleSeconds,
	                                       int touchSeconds);

	/// Deletes the session of tokenHash and returns it (nullopt: none).
	static std::optional<Session> remove(const std::string& tokenHash);

	/// A purge deletes at most this many rows of each table, so that the
	/// request it rides on stays quick; the next purge takes the rest.
	static constexpr int kPurgeBatchRows = 1000;

	/// Deletes expired login states and sessions past their absolute expiry
	/// or idle for idleSeconds, at most kPurgeBatchRows of each; returns how
	/// many rows went.
	static std::uint64_t purge(const Poco::Timestamp& now, int idleSeconds);
};

} // namespace Sso
} // namespace Nexus
