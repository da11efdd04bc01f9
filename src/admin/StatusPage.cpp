#include "admin/StatusPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "ui/Page.h"

#include <Poco/JSON/Array.h>

#include <cstdio>

namespace Nexus {
namespace Admin {

using Http::Html::escape;
using Poco::JSON::Object;

namespace {

/// The value of key in o as escaped text; an em dash when o, or the value,
/// is missing or null.
std::string text(const Object::Ptr& o, const std::string& key)
{
	if (!o || o->isNull(key)) return "—";
	return escape(o->get(key).convert<std::string>());
}

std::int64_t number(const Object::Ptr& o, const std::string& key)
{
	if (!o || o->isNull(key)) return 0;
	return o->get(key).convert<std::int64_t>();
}

/// A timestamp of o (RFC 3339 text) as a <time>.
std::string time(const Object::Ptr& o, const std::string& key)
{
	if (!o || o->isNull(key)) return "—";
	return Ui::when(o->get(key).convert<std::string>());
}

std::string fact(const std::string& label, const std::string& valueHtml)
{
	return "<dt>" + escape(label) + "</dt><dd>" + valueHtml + "</dd>\n";
}

std::string card(const std::string& id, const std::string& figureHtml, const std::string& label)
{
	return "<div class=\"card\" id=\"" + id + "\"><span class=\"figure\">" + figureHtml +
	       "</span><span class=\"label\">" + escape(label) + "</span></div>\n";
}

std::string panel(const std::string& id, const std::string& title, const std::string& html)
{
	return "<section class=\"panel\" id=\"" + id + "\"><h2>" + escape(title) + "</h2>\n" + html + "</section>\n";
}

bool reachable(const Object::Ptr& database)
{
	return database && !database->isNull("reachable") && database->get("reachable").convert<bool>();
}

std::string cards(const Object::Ptr& status)
{
	const auto pool = status->getObject("pool");
	const auto database = status->getObject("database");
	const auto live = pool ? pool->getArray("live_workers") : nullptr;
	std::string html = "<div class=\"cards\" id=\"status-cards\">\n";
	html += card("card-version", text(status, "version"), "version");
	html += card("card-uptime", escape(duration(number(status, "uptime_s"))), "uptime (the master)");
	html += card("card-workers", std::to_string(live ? live->size() : 0) + " / " + text(pool, "workers"),
	             "workers alive / configured");
	html += card("card-requests", text(pool, "requests_served"), "requests served");
	html += card("card-database",
	             reachable(database) ? "<span class=\"ok\">reachable</span>" : "<span class=\"bad\">unreachable</span>",
	             "database");
	html += "</div>\n";
	return html;
}

std::string poolPanel(const Object::Ptr& pool)
{
	std::string html = "<div class=\"grid2\">\n<dl class=\"facts\">\n";
	html += fact("master pid", text(pool, "master_pid"));
	html += fact("generation", text(pool, "generation"));
	html += fact("workers configured", text(pool, "workers"));
	html += fact("threads per worker", text(pool, "threads"));
	html += fact("requests served", text(pool, "requests_served"));
	html += fact("respawns (died)", text(pool, "respawns"));
	html += fact("recycles (max requests, deadline)", text(pool, "recycles"));
	html += "</dl>\n";
	const auto live = pool ? pool->getArray("live_workers") : nullptr;
	if (!live || live->size() == 0) return html + "<p class=\"bad\">No live worker.</p>\n</div>\n";
	html += "<table id=\"workers\">\n<thead><tr><th class=\"num\">pid</th><th>started</th><th>up</th><th "
	        "class=\"num\">requests</th><th class=\"num\">in flight</th></tr></thead>\n<tbody>\n";
	for (std::size_t i = 0; i < live->size(); ++i)
	{
		const auto w = live->getObject(static_cast<unsigned>(i));
		html += "<tr><td class=\"num\">" + text(w, "pid") + "</td><td>" + time(w, "started_at") + "</td><td>" +
		        escape(duration(number(w, "uptime_s"))) + "</td><td class=\"num\">" + text(w, "requests") +
		        "</td><td class=\"num\">" + text(w, "in_flight") + "</td></tr>\n";
	}
	return html + "</tbody>\n</table>\n</div>\n";
}

std::string databasePanel(const Object::Ptr& database)
{
	std::string html = "<dl class=\"facts\">\n";
	html += fact("reachable",
	             reachable(database) ? "<span class=\"badge ok\">yes</span>" : "<span class=\"badge bad\">no</span>");
	html += fact("server version", text(database, "server_version"));
	std::string rtt = "—";
	if (database && !database->isNull("round_trip_ms"))
	{
		char buffer[32];
		std::snprintf(buffer, sizeof buffer, "%.2f ms", database->get("round_trip_ms").convert<double>());
		rtt = buffer;
	}
	html += fact("round trip", rtt);
	const std::string schema = text(database, "schema_version");
	const std::string expected = text(database, "expected_schema_version");
	html += fact("schema version", schema);
	html += fact("expected schema version",
	             expected + (schema != expected && schema != "—" && expected != "—"
	                             ? " <span class=\"badge warn\">differs: run the migrations</span>"
	                             : ""));
	return html + "</dl>\n";
}

std::string countsPanel(const Object::Ptr& counts)
{
	if (!counts) return "<p class=\"muted\">Unknown: the database did not answer.</p>\n";
	std::string html = "<dl class=\"facts\">\n";
	for (const auto& name : counts->getNames())
	{
		std::string label = name;
		for (auto& c : label)
			if (c == '_') c = ' ';
		html += fact(label, text(counts, name));
	}
	return html + "</dl>\n";
}

std::string vaultPanel(const Object::Ptr& vault)
{
	if (vault && vault->has("error")) return "<p class=\"bad\">" + text(vault, "error") + "</p>\n";
	return "<dl class=\"facts\">\n" + fact("active key id", "<code>" + text(vault, "active_key_id") + "</code>") +
	       fact("keys in the keyring", text(vault, "keys")) + "</dl>\n";
}

std::string auditPanel(const Object::Ptr& audit)
{
	std::string html = "<dl class=\"facts\">\n";
	html += fact("head (last sealed seq)", text(audit, "head_seq"));
	html += fact("head hash", audit && !audit->isNull("head_hash")
	                              ? "<code class=\"hash\">" + text(audit, "head_hash") + "</code>"
	                              : "—");
	html += fact("rows not yet sealed", text(audit, "unsealed"));
	html += "</dl>\n<p><a href=\"/admin/audit-log\">Open the audit log</a></p>\n";
	return html;
}

} // namespace

std::string duration(std::int64_t seconds)
{
	if (seconds < 0) seconds = 0;
	const std::int64_t days = seconds / 86400, hours = seconds % 86400 / 3600, minutes = seconds % 3600 / 60;
	if (days) return std::to_string(days) + " d " + std::to_string(hours) + " h";
	if (hours) return std::to_string(hours) + " h " + std::to_string(minutes) + " min";
	if (minutes) return std::to_string(minutes) + " min " + std::to_string(seconds % 60) + " s";
	return std::to_string(seconds) + " s";
}

Http::Response statusPage(const Http::Request& request, const Auth::Principal& principal, const Object::Ptr& status)
{
	std::string body = "<p class=\"muted\">This installation now, as <code>GET /admin/status</code> reports it to "
	                   "API clients. Started " +
	                   time(status, "started_at") + ".</p>\n";
	body += cards(status);
	body += panel("status-pool", "Worker pool", poolPanel(status->getObject("pool")));
	body += "<div class=\"panels\">\n";
	body += panel("status-database", "Database", databasePanel(status->getObject("database")));
	body += panel("status-counts", "What Nexus holds", countsPanel(status->getObject("counts")));
	body += panel("status-vault", "Vault keyring", vaultPanel(status->getObject("vault")));
	body += panel("status-audit", "Audit chain", auditPanel(status->getObject("audit")));
	body += "</div>\n";
	return Ui::page(request, principal, Ui::Section::Status, "Status", body);
}

} // namespace Admin
} // namespace Nexus
