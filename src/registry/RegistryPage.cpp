#include "registry/RegistryPage.h"

#include "http/Html.h"
#include "http/Json.h"
#include "http/Request.h"
#include "registry/ModelInput.h"
#include "ui/Format.h"
#include "ui/Page.h"
#include "util/Time.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <algorithm>

namespace Nexus {
namespace Registry {

using Http::Request;
using Http::Html::escape;

namespace {

std::string familyHref(const std::string& slug)
{
	return "/api/registry/models/" + Request::percentEncode(slug);
}

/// The entry's DELETE path: the model id is one segment, its '/' as %2F.
std::string entryPath(const ModelEntry& m)
{
	return familyHref(m.slug) + "/" + Request::percentEncode(m.modelId);
}

std::string join(const std::vector<std::string>& words)
{
	return Poco::cat(std::string(", "), words.begin(), words.end());
}

std::string number(const std::optional<std::uint32_t>& n)
{
	return n ? std::to_string(*n) : "—";
}

/// "in → out" modalities.
std::string modalitiesCell(const ModelEntry& m)
{
	return escape(join(m.inputModalities)) + " → " + escape(join(m.outputModalities));
}

/// What a price is per, as the pages write it (the API's pricing is USD
/// per million tokens).
const char* const kPriceUnit = "USD per 1M tokens";

/// The stored pricing object (empty when it is not one).
Poco::JSON::Object::Ptr pricingOf(const ModelEntry& m)
{
	try
	{
		return Http::Json::parseStored(m.pricingJson).extract<Poco::JSON::Object::Ptr>();
	}
	catch (const Poco::Exception&)
	{
		return Http::Json::object();
	}
}

/// Prompt and completion prices as "$2.5 / $10" (the column's heading
/// names the unit).
std::string pricingCell(const ModelEntry& m)
{
	const auto pricing = pricingOf(m);
	if (!pricing->has("prompt") && !pricing->has("completion")) return "<span class=\"muted\">—</span>";
	const auto price = [&](const char* key) {
		return pricing->has(key) ? "$" + pricing->get(key).toString() : std::string("—");
	};
	return "<span class=\"nowrap\" title=\"" + std::string(kPriceUnit) + ": prompt / completion\">" +
	       escape(price("prompt")) + " / " + escape(price("completion")) + "</span>";
}

/// Every price of the entry, named.
std::string pricingFacts(const ModelEntry& m)
{
	const auto pricing = pricingOf(m);
	std::string html;
	for (const char* key : {"prompt", "completion", "cache_read", "cache_write"})
	{
		if (!pricing->has(key)) continue;
		std::string name = key;
		std::replace(name.begin(), name.end(), '_', ' ');
		html += (html.empty() ? "" : " · ") + escape(name) + " $" + escape(pricing->get(key).toString());
	}
	return html.empty() ? "<span class=\"muted\">unknown</span>"
	                    : html + " <small class=\"muted\">" + std::string(kPriceUnit) + "</small>";
}

/// The supported parameters as a comma-separated list.
std::string parametersOf(const ModelEntry& m)
{
	std::string list;
	try
	{
		const auto array = Http::Json::parseStored(m.supportedParametersJson).extract<Poco::JSON::Array::Ptr>();
		for (const auto& p : *array) list += (list.empty() ? "" : ", ") + p.toString();
	}
	catch (const Poco::Exception&)
	{}
	return list;
}

/// The deprecation date; one on or before today is marked.
std::string deprecationCell(const ModelEntry& m, const std::string& today)
{
	if (!m.deprecationDate) return "<span class=\"muted\">—</span>";
	if (*m.deprecationDate <= today)
		return "<span class=\"badge bad deprecated\" title=\"deprecated: past its date\">" +
		       escape(*m.deprecationDate) + "</span>";
	return escape(*m.deprecationDate);
}

/// The fields of POST /api/registry/models, prefilled from m (an empty
/// entry for a new one).
std::string modelFields(const ModelEntry& m, bool known)
{
	std::string html = "<div class=\"grid2\">\n";
	html += Ui::field({"model_id",
	                   "Model id",
	                   m.modelId,
	                   "string",
	                   "text",
	                   "openai/gpt-4o",
	                   "provider/model; an existing id is replaced whole",
	                   {},
	                   true});
	html +=
	    Ui::field({"slug", "Family", m.slug, "string", "text", "gpt-4o", "the model without its provider", {}, true});
	html += Ui::field({"name", "Name", known ? m.name : "", "string", "text", "GPT-4o", "empty: the model id"});
	html += Ui::field(
	    {"deprecation_date", "Deprecation date", m.deprecationDate.value_or(""), "string", "date", "", "empty: none"});
	html += Ui::field({"context_length", "Context length", m.contextLength ? std::to_string(*m.contextLength) : "",
	                   "int", "number", "128000", "tokens"});
	html += Ui::field({"max_output_tokens", "Max output tokens",
	                   m.maxOutputTokens ? std::to_string(*m.maxOutputTokens) : "", "int", "number", "16384"});
	// A list field is always sent (empty as []), so a new entry starts with "text".
	html += Ui::field({"input_modalities",
	                   "Input modalities",
	                   known ? join(m.inputModalities) : "text",
	                   "list",
	                   "text",
	                   "text, image",
	                   "comma-separated, of " + ModelInput::modalityList(),
	                   {},
	                   true});
	html += Ui::field({"output_modalities",
	                   "Output modalities",
	                   known ? join(m.outputModalities) : "text",
	                   "list",
	                   "text",
	                   "text",
	                   "comma-separated",
	                   {},
	                   true});
	html += "</div>\n";
	Ui::Field pricing{"pricing",
	                  "Pricing",
	                  known ? Ui::prettyJson(m.pricingJson) : "",
	                  "json",
	                  "textarea",
	                  R"({"prompt": 2.5, "completion": 10})",
	                  std::string(kPriceUnit) + ": prompt, completion, cache_read, cache_write"};
	pricing.rows = 3;
	html += Ui::field(pricing);
	const std::string parameters = known ? parametersOf(m) : std::string();
	html += Ui::field(
	    {"supported_parameters", "Supported parameters", parameters, "list", "text", "temperature, max_tokens, tools"});
	Ui::Field metadata{
	    "metadata",       "Metadata", known && m.metadataJson != "{}" ? Ui::prettyJson(m.metadataJson) : "",
	    "json",           "textarea", "{}",
	    "any JSON object"};
	metadata.rows = 3;
	html += Ui::field(metadata);
	return html;
}

/// The admin's create-or-replace form for a new entry.
std::string createForm(const Request& request)
{
	std::string html = "<details id=\"new-model\"><summary>Add or replace a model</summary>\n";
	html += Ui::formStart(request, "POST", "/api/registry/models",
	                      {"create-model", "", "/api/registry/models/{slug}", "", "", ""});
	html += modelFields(ModelEntry(), false);
	html += Ui::formEnd("Save model");
	html += "</details>\n";
	return html;
}

std::string deleteButton(const Request& request, const ModelEntry& m, const std::string& next)
{
	const std::string id = std::to_string(m.id);
	return Ui::formStart(request, "DELETE", entryPath(m),
	                     {"delete-model-" + id,
	                      "Delete " + m.modelId + " from the registry? Profiles that name it get a warning.", next, "",
	                      "", "inline"}) +
	       "<button type=\"submit\" class=\"danger\">Delete</button>\n<p class=\"form-error\" role=\"alert\" "
	       "hidden></p></form>";
}

std::string modelsTable(const Request& request, const std::vector<ModelEntry>& rows, bool admin)
{
	const std::string today = Time::dateOf(Poco::Timestamp());
	std::string html = "<table id=\"models\">\n<thead><tr><th>model</th><th>family</th><th>provider</th>"
	                   "<th class=\"num\">context</th><th class=\"num\">max output</th><th>modalities</th>"
	                   "<th id=\"price-heading\">price<small class=\"unit\">" +
	                   std::string(kPriceUnit) + ", prompt / completion</small></th><th>deprecation</th>";
	html += admin ? "<th>actions</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n";
	for (const auto& m : rows)
	{
		html += "<tr id=\"model-" + std::to_string(m.id) + "\"><td><code>" + escape(m.modelId) + "</code>";
		if (m.name != m.modelId) html += "<br><small class=\"muted\">" + escape(m.name) + "</small>";
		html += "</td><td><a href=\"" + escape(familyHref(m.slug)) + "\">" + escape(m.slug) + "</a></td><td>" +
		        escape(m.provider) + "</td><td class=\"num\">" + number(m.contextLength) + "</td><td class=\"num\">" +
		        number(m.maxOutputTokens) + "</td><td>" + modalitiesCell(m) + "</td><td>" + pricingCell(m) +
		        "</td><td>" + deprecationCell(m, today) + "</td>";
		if (admin) html += "<td>" + deleteButton(request, m, "") + "</td>";
		html += "</tr>\n";
	}
	return html + "</tbody>\n</table>\n";
}

std::string entryFacts(const ModelEntry& m, const std::string& today)
{
	std::string html = "<dl class=\"facts\">\n";
	html += "<dt>Name</dt><dd>" + escape(m.name) + "</dd>\n";
	html += "<dt>Provider</dt><dd>" + escape(m.provider) + "</dd>\n";
	html += "<dt>Context length</dt><dd>" + number(m.contextLength) + "</dd>\n";
	html += "<dt>Max output tokens</dt><dd>" + number(m.maxOutputTokens) + "</dd>\n";
	html += "<dt>Modalities</dt><dd>" + modalitiesCell(m) + "</dd>\n";
	html += "<dt>Pricing</dt><dd>" + pricingFacts(m) + "</dd>\n";
	const std::string parameters = parametersOf(m);
	html += "<dt>Supported parameters</dt><dd>" +
	        (parameters.empty() ? std::string("<span class=\"muted\">none listed</span>") : escape(parameters)) +
	        "</dd>\n";
	html += "<dt>Deprecation</dt><dd>" + deprecationCell(m, today) + "</dd>\n";
	if (m.metadataJson != "{}")
		html += "<dt>Metadata</dt><dd><pre>" + escape(Ui::prettyJson(m.metadataJson)) + "</pre></dd>\n";
	html += "<dt>Registered</dt><dd>" + Ui::when(Time::sqlToRfc3339(m.createdAt)) + "</dd>\n";
	html += "<dt>Updated</dt><dd>" + Ui::when(Time::sqlToRfc3339(m.updatedAt)) + "</dd>\n";
	return html + "</dl>\n";
}

/// One entry of a family: its facts and, for an admin, replace and delete.
std::string entryPanel(const Request& request, const ModelEntry& m, bool admin, const std::string& deleteNext)
{
	const std::string id = std::to_string(m.id);
	const std::string today = Time::dateOf(Poco::Timestamp());
	std::string html = "<section class=\"panel\" id=\"model-" + id + "\">\n<h2><code>" + escape(m.modelId) +
	                   "</code></h2>\n" + entryFacts(m, today);
	if (admin)
	{
		html += "<details id=\"replace-" + id + "\"><summary>Replace this entry</summary>\n";
		html += Ui::formStart(request, "POST", "/api/registry/models",
		                      {"replace-model-" + id, "", "/api/registry/models/{slug}", "", "", ""});
		html += modelFields(m, true);
		html += Ui::formEnd("Save model");
		html += "</details>\n<p>" + deleteButton(request, m, deleteNext) + "</p>\n";
	}
	return html + "</section>\n";
}

} // namespace

Http::Response modelsPage(const Request& request, const Auth::Principal& principal, const std::vector<ModelEntry>& rows,
                          const std::string& nextUrl)
{
	const bool admin = Ui::isAdmin(principal);
	std::string body = "<p class=\"muted\">What each routable model can do and what it costs. Profiles are checked "
	                   "against these entries.</p>\n";
	std::vector<std::string> modalities = {""};
	modalities.insert(modalities.end(), ModelInput::modalities().begin(), ModelInput::modalities().end());
	body += Ui::filterForm(request, "/api/registry/models",
	                       {{"provider", "Provider", "", "", "text", "every provider"},
	                        {"modality", "Modality (in or out)", "", "", "select", "", "", modalities}});
	if (admin) body += createForm(request);
	if (rows.empty())
		body += "<p id=\"no-models\">No models to show.</p>\n";
	else
		body += modelsTable(request, rows, admin);
	body += Ui::pager(request, nextUrl);
	return Ui::page(request, principal, Ui::Section::Registry, "Model registry", body);
}

Http::Response familyPage(const Request& request, const Auth::Principal& principal, const std::string& slug,
                          const std::vector<ModelEntry>& models)
{
	const bool admin = Ui::isAdmin(principal);
	std::string body = "<p><a href=\"/api/registry/models\">← All models</a></p>\n<p class=\"muted\">" +
	                   std::to_string(models.size()) + (models.size() == 1 ? " entry" : " entries") +
	                   " of the family <code>" + escape(slug) +
	                   "</code> (the same model from several providers or gateways).</p>\n<div id=\"family-models\">\n";
	const std::string next = models.size() > 1 ? familyHref(slug) : "/api/registry/models";
	for (const auto& m : models) body += entryPanel(request, m, admin, next);
	body += "</div>\n";
	return Ui::page(request, principal, Ui::Section::Registry, "Model family " + slug, body);
}

} // namespace Registry
} // namespace Nexus
