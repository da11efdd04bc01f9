#pragma once

#include "auth/Principal.h"
#include "http/Response.h"

#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

/// The signed-in web UI's shared parts: the frame every page has (the
/// navigation, who is signed in, the sign-out form), the forms, and the
/// error page. The pages themselves live with their resources (a resource's
/// list route is also its page) and are server-rendered; static/nexus.js
/// sends the forms to the JSON API with the CSRF token (see Csrf.h) and
/// shows the answer, static/nexus.css styles them.
namespace Ui {

/// The navigation entry a page belongs to (marked as the current one).
enum class Section
{
	None,
	Overview,
	Agents,
	Profiles,
	Registry,
	Assignments,
	Secrets,
	Knowledge,
	Memories,
	Audit,
	Status
};

/// Whether principal may use the admin parts of the UI (writes, memories,
/// the audit log): a signed-in user with the admin role, or the admin token.
bool isAdmin(const Auth::Principal& principal);

/// A page in the frame: the navigation (entries for admins only are left
/// out for a viewer), the user id and role with the sign-out form, then
/// title and bodyHtml (trusted markup; escape every value put in it).
Http::Response page(const Http::Request& request, const Auth::Principal& principal, Section section,
                    const std::string& title, const std::string& bodyHtml, int status = 200);

/// page() with Cache-Control: no-store and Pragma: no-cache spelled out, for
/// pages that show a secret value or a token.
Http::Response privatePage(const Http::Request& request, const Auth::Principal& principal, Section section,
                           const std::string& title, const std::string& bodyHtml);

/// The HTML error page for a browser: status, the API's error code and the
/// message, the request id, and a way on (sign in again on a 401).
Http::Response errorPage(const Http::Request& request, const Auth::Principal& principal, int status,
                         const std::string& code, const std::string& message);

/// How nexus.js sends a form (data-* attributes of the <form>).
struct FormOptions
{
	std::string id;        ///< the form's id (tests and labels use it)
	std::string confirm;   ///< asked before sending ("Delete secret 4?")
	std::string next;      ///< where to go on success; {field} takes a field of the JSON answer
	std::string show;      ///< the id of an element that shows the answer's fields (data-field) instead
	std::string body;      ///< "json" (default: the fields as an object) or "yaml" (the "yaml" field as is)
	std::string className; ///< extra class of the form ("inline" for a one-button form)
};

/// The start of a form that nexus.js sends as method to path (a path of the
/// JSON API, already percent-encoded), with the request's CSRF token in a
/// hidden field, and its end: the submit button and the place for an error.
std::string formStart(const Http::Request& request, const std::string& method, const std::string& path,
                      const FormOptions& options = {});
std::string formEnd(const std::string& submitLabel, const std::string& buttonClass = {});

/// One labelled form field. kind says how nexus.js puts it in the JSON body:
/// "string" (empty: left out, or null with emptyAsNull), "list" (split at
/// commas and new lines), "json" (parsed), "int", "bool" (a checkbox),
/// "query" (added to the URL as ?name=value instead), or "path" (put in the
/// form's path where it says {name}, percent-encoded, instead). Every member
/// after value has a default (also "= {}", for -Wmissing-field-initializers),
/// so a braced list may stop after any of them.
struct Field
{
	std::string name;
	std::string label;
	std::string value;
	std::string kind = "string";
	std::string input = "text"; ///< text, number, password, date, textarea, checkbox, select
	std::string placeholder = {};
	std::string hint = {};                 ///< a line of help under the field
	std::vector<std::string> options = {}; ///< select only
	bool required = false;
	bool emptyAsNull = false;
	int rows = 4; ///< textarea only
};
std::string field(const Field& field);

/// A GET form of filters for a list page (plain HTML, no script): the
/// request's current values are kept.
std::string filterForm(const Http::Request& request, const std::string& action, const std::vector<Field>& fields);

/// "Next page" (and "First page" when the request had a cursor) for a list.
std::string pager(const Http::Request& request, const std::string& nextUrl);

/// Where nexus.js puts a secret value or a new token from a form's answer
/// (its member field): an empty monospace block with that id, which wraps
/// a long value only where it must and is selected whole by a click, and a
/// Copy button beside it. Put it in the (hidden) element the form's
/// FormOptions::show names.
std::string secretValue(const std::string& id, const std::string& field);

/// A <time> element for an RFC 3339 timestamp ("" gives an em dash).
std::string when(const std::string& rfc3339);

} // namespace Ui
} // namespace Nexus
