#include "admin/AuditPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "ui/Page.h"
#include "util/Time.h"

namespace Nexus {
namespace Admin {

using Audit::Entry;
using Http::Request;
using Http::Html::escape;

namespace {

const char* const kPath = "/admin/audit-log";

/// The query parameters of the JSON route (what the filters and the pager
/// set), kept by the verify button.
const char* const kParameters[] = {"actor", "action", "target", "since", "until", "limit", "after"};

Ui::Field filter(const std::string& name, const std::string& label, const std::string& placeholder)
{
	Ui::Field f;
	f.name = name;
	f.label = label;
	f.placeholder = placeholder;
	return f;
}

/// value as a link to the log filtered on it (parameter = value).
std::string filterLink(const char* parameter, const std::string& value)
{
	if (value.empty()) return "<span class=\"muted\">—</span>";
	return "<a href=\"" + escape(std::string(kPath) + "?" + parameter + "=" + Request::percentEncode(value)) +
	       "\" title=\"only these\">" + escape(value) + "</a>";
}

/// "1 row", "2 rows".
std::string rowCount(std::uint64_t n)
{
	return std::to_string(n) + (n == 1 ? " row" : " rows");
}

/// "ok" in green, "denied" in amber, "error" in red.
std::string outcomeBadge(const std::string& outcome)
{
	const char* tone = outcome == "ok" ? "ok" : outcome == "denied" ? "warn" : "bad";
	return "<span class=\"badge " + std::string(tone) + "\">" + escape(outcome) + "</span>";
}

/// Whether a sealed row's stored hash is the hash of its content and its
/// stored prev_hash (the part of the chain one row can show on its own),
/// and, keyed, whether its row MAC matches its content.
bool rowHashMatches(const Entry& e, const Audit::AuditKey* key)
{
	if (!e.prevHash || !e.hash || Audit::Chain::hash(*e.prevHash, e, key) != *e.hash) return false;
	return !Audit::Chain::keyed(key, e.seq.value_or(0)) ||
	       (e.rowMac && *e.rowMac == Audit::Chain::rowMac(key->rowKey, e));
}

std::string seqCell(const Entry& e, const Audit::AuditKey* key)
{
	if (!e.seq) return "<span class=\"muted\" title=\"the sealer chains it within seconds\">pending</span>";
	const std::string seq = std::to_string(*e.seq);
	if (!rowHashMatches(e, key))
		return seq + " <span class=\"badge bad\" title=\"stored hash does not match\">hash!</span>";
	return "<span title=\"hash " + escape(e.hash.value_or("")) + " matches the row\">" + seq + "</span>";
}

std::string row(const Entry& e, const Audit::AuditKey* key)
{
	const std::string shortId = e.requestId.size() > 12 ? e.requestId.substr(0, 12) + "…" : e.requestId;
	return "<tr id=\"audit-" + std::to_string(e.id) + "\" class=\"outcome-" + escape(e.outcome) + "\"><td>" +
	       Ui::when(Time::sqlToRfc3339(e.at)) + "</td><td>" + filterLink("actor", e.principal) + "</td><td>" +
	       filterLink("action", e.action) + "</td><td>" + filterLink("target", e.target) + "</td><td>" +
	       outcomeBadge(e.outcome) + "</td><td>" + escape(e.client) + "</td><td><code title=\"" + escape(e.requestId) +
	       "\">" + escape(shortId) + "</code></td><td class=\"num\">" + seqCell(e, key) + "</td></tr>\n";
}

/// The GET form that reloads this view with ?verify=1.
std::string verifyForm(const Request& request)
{
	std::string html = "<form class=\"inline\" method=\"get\" action=\"" + std::string(kPath) + "\">";
	for (const char* name : kParameters)
		if (const auto value = request.query(name); value && !value->empty())
			html += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + escape(*value) + "\">";
	return html + "<input type=\"hidden\" name=\"verify\" value=\"1\"><button type=\"submit\" id=\"verify-chain\" "
	              "class=\"secondary\">Verify the whole chain</button></form>";
}

/// What a walk of the whole log found (the "Whole chain" fact).
std::string verification(const Audit::Verifier& v)
{
	if (v.intact())
		return "<dd id=\"chain-status\" class=\"ok\"><span class=\"badge ok\">intact</span> The whole chain "
		       "verifies: " +
		       std::to_string(v.sealedRows()) + " sealed rows" +
		       (v.sealedRows() ? " (seq 1.." + std::to_string(v.headSeq()) + ")" : std::string()) +
		       " link up and match their hashes; " + rowCount(v.unsealedRows()) + " not sealed yet.</dd>\n";
	const auto& first = *v.firstProblem();
	return "<dd id=\"chain-status\" class=\"bad\"><span class=\"badge bad\">broken</span> The chain does not verify: " +
	       std::to_string(v.problems()) + (v.problems() == 1 ? " problem" : " problems") + ", the first at row " +
	       std::to_string(first.id) +
	       (first.seq ? " (seq " + std::to_string(*first.seq) + ")" : std::string(" (unsealed)")) + ": " +
	       escape(first.what) + ". Keep the log as it is and compare it with a copy of the head you trust.</dd>\n";
}

/// The chain's state: the sealed head, the rows waiting, the check of this
/// page's rows, and the whole-log verification (when run) or its button.
std::string chainPanel(const Request& request, const std::vector<Entry>& rows, const StatusStore::AuditHead& head,
                       const std::optional<Audit::Verifier>& verified, const Audit::AuditKey* key)
{
	std::size_t sealed = 0, mismatched = 0;
	for (const auto& e : rows)
		if (e.seq)
		{
			++sealed;
			if (!rowHashMatches(e, key)) ++mismatched;
		}
	std::string html = "<section class=\"panel\" id=\"audit-chain\">\n<h2>Hash chain</h2>\n<dl class=\"facts\">\n";
	html += "<dt>Sealed head</dt><dd>" +
	        (head.seq ? "seq " + std::to_string(*head.seq) + ", hash <code class=\"hash\">" +
	                        escape(head.hash.value_or("")) + "</code>"
	                  : std::string("nothing sealed yet")) +
	        "</dd>\n";
	html += "<dt>Waiting for the sealer</dt><dd>" + rowCount(head.unsealed) + "</dd>\n";
	html += "<dt>This page</dt><dd id=\"page-check\" class=\"" +
	        std::string(mismatched ? "bad"
	                    : sealed   ? "ok"
	                               : "muted") +
	        "\">" +
	        (mismatched
	             ? std::to_string(mismatched) + " of " + std::to_string(sealed) + " sealed rows do not match their hash"
	         : sealed ? std::to_string(sealed) + " sealed rows match their hashes"
	                  : std::string("no sealed rows on this page yet")) +
	        "</dd>\n<dt>Keyed</dt><dd id=\"chain-keyed\" class=\"" + std::string(key ? "ok" : "warn") + "\">" +
	        (key ? "from seq " + std::to_string(key->keyedFrom) +
	                   " on: rows and links are authenticated with the keyring's integrity key"
	             : std::string("no: the keyring has no integrity key, so a database writer could rewrite the "
	                           "chain (nexusctl vault mac-key)")) +
	        "</dd>\n<dt>Whole chain</dt>";
	if (verified)
		html += verification(*verified);
	else
		html += "<dd id=\"chain-status\" class=\"muted\">verified on request, as it reads every row: " +
		        verifyForm(request) + "</dd>\n";
	html += "</dl>\n<p class=\"muted\"><small>Keep the head's seq and hash somewhere else and compare them later: "
	        "that catches rows cut from the end, or a chain rewritten from some row on, which no check of the log "
	        "alone can see.</small></p>\n</section>\n";
	return html;
}

} // namespace

Http::Response auditPage(const Http::Request& request, const Auth::Principal& principal, std::vector<Entry> rows,
                         const Http::Page& page, const StatusStore::AuditHead& head,
                         const std::optional<Audit::Verifier>& verified, const Audit::AuditKey* key)
{
	const bool more = page.trim(rows);
	std::string body = "<p class=\"muted\">Token changes, every change to the vault, profiles, knowledge and "
	                   "assignments, every secret read and reveal, refused sign-ins: newest first. Filters match "
	                   "exactly; click a principal, action or target to see only those.</p>\n";
	body += chainPanel(request, rows, head, verified, key);
	body += Ui::filterForm(request, kPath,
	                       {filter("actor", "Principal", "user:alice"), filter("action", "Action", "secret.reveal"),
	                        filter("target", "Target", "secret:42"), filter("since", "Since", "2026-12-01T00:00:00Z"),
	                        filter("until", "Until (exclusive)", "2026-12-02T00:00:00Z")});
	if (rows.empty())
		body += "<p id=\"no-entries\">No entries match.</p>\n";
	else
	{
		body += "<table id=\"audit-log\">\n<thead><tr><th>time</th><th>principal</th><th>action</th><th>target</th>"
		        "<th>outcome</th><th>client</th><th>request id</th><th class=\"num\">seq</th></tr></thead>\n"
		        "<tbody>\n";
		for (const auto& e : rows) body += row(e, key);
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, more ? page.nextUrl(request, std::to_string(rows.back().id)) : std::string());
	return Ui::page(request, principal, Ui::Section::Audit, "Audit log", body);
}

} // namespace Admin
} // namespace Nexus
