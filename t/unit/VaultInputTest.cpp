// VaultInput: a secret's create and update bodies as a client sends them
// (no database, no keyring).
#include "vault/VaultInput.h"
#include "http/HttpError.h"
#include "http/Request.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using Nexus::Http::BadRequest;
using Nexus::Http::NotFound;
using Nexus::Http::PayloadTooLarge;
using Nexus::Http::Request;
using Nexus::Http::UnsupportedMediaType;
using Nexus::Vault::NewSecret;
using Nexus::Vault::SecretChange;
using Nexus::Vault::VaultInput;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

const std::size_t kMaxValue = 16;

Request post(const std::string& body, const std::string& type = "application/json")
{
	Request request("POST", "/api/vault/secrets");
	request.setHeader("content-type", type);
	request.setBody(body);
	return request;
}

std::string createRefusal(const std::string& body, const CppUnit::SourceLine& line)
{
	return thrown<BadRequest>([&] { (void)VaultInput::create(post(body), kMaxValue); }, line).what();
}

std::string updateRefusal(const std::string& body, const CppUnit::SourceLine& line)
{
	return thrown<BadRequest>([&] { (void)VaultInput::update(post(body), kMaxValue); }, line).what();
}

} // namespace

class VaultInputTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(VaultInputTest);
	CPPUNIT_TEST(testCreate);
	CPPUNIT_TEST(testCreateRefused);
	CPPUNIT_TEST(testValueLimitInBytes);
	CPPUNIT_TEST(testUpdate);
	CPPUNIT_TEST(testSecretId);
	CPPUNIT_TEST_SUITE_END();

public:
	void testCreate()
	{
		const NewSecret s = VaultInput::create(
		    post(R"({"scope":"prod","name":"openai/api-key","value":"v1","allowed_profiles":["a","b"]})"), kMaxValue);
		CPPUNIT_ASSERT_EQUAL(std::string("prod"), s.scope);
		CPPUNIT_ASSERT_EQUAL(std::string("openai/api-key"), s.name);
		CPPUNIT_ASSERT_EQUAL(std::string("v1"), s.value);
		CPPUNIT_ASSERT(s.allowedProfiles == (std::vector<std::string>{"a", "b"}));
		const NewSecret open = VaultInput::create(post(R"({"scope":"s","name":"n","value":"v"})"), kMaxValue);
		CPPUNIT_ASSERT(open.allowedProfiles.empty());
	}

	void testCreateRefused()
	{
		const auto line = CPPUNIT_SOURCELINE();
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"s","name":"n"})", line), "'value' is required"));
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"s","name":"n","value":""})", line), "'value'"));
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"s","name":"n","value":1})", line), "'value'"));
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"a b","name":"n","value":"v"})", line), "'scope'"));
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"s","name":"a//b","value":"v"})", line), "'name'"));
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"s","name":"../x","value":"v"})", line), "'name'"));
		CPPUNIT_ASSERT(contains(
		    createRefusal(R"({"scope":"s","name":"n","value":"v","allowed_profiles":["p "]})", line), "space"));
		CPPUNIT_ASSERT(contains(createRefusal(R"({"scope":"s","name":"n","value":"v","owner":"x"})", line), "owner"));
		thrown<UnsupportedMediaType>(
		    [] { (void)VaultInput::create(post(R"({"scope":"s","name":"n","value":"v"})", "text/plain"), kMaxValue); },
		    line);
	}

	void testValueLimitInBytes()
	{
		// 8 characters, 16 bytes: at the limit.
		const NewSecret at = VaultInput::create(post(R"({"scope":"s","name":"n","value":"ääääääää"})"), kMaxValue);
		CPPUNIT_ASSERT_EQUAL(std::size_t(16), at.value.size());
		const std::string message =
		    thrown<PayloadTooLarge>(
		        [] { (void)VaultInput::create(post(R"({"scope":"s","name":"n","value":"äääääääääa"})"), kMaxValue); },
		        CPPUNIT_SOURCELINE())
		        .what();
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "at most 16 bytes"));
	}

	void testUpdate()
	{
		const SecretChange value = VaultInput::update(post(R"({"value":"new"})"), kMaxValue);
		CPPUNIT_ASSERT_EQUAL(std::string("new"), value.value);
		CPPUNIT_ASSERT(!value.allowedProfiles);
		const SecretChange profiles = VaultInput::update(post(R"({"allowed_profiles":[]})"), kMaxValue);
		CPPUNIT_ASSERT(profiles.value.empty());
		CPPUNIT_ASSERT(profiles.allowedProfiles && profiles.allowedProfiles->empty());
		const auto line = CPPUNIT_SOURCELINE();
		CPPUNIT_ASSERT(contains(updateRefusal("{}", line), "give 'value', 'allowed_profiles' or both"));
		CPPUNIT_ASSERT(contains(updateRefusal(R"({"value":""})", line), "'value'"));
		CPPUNIT_ASSERT(contains(updateRefusal(R"({"scope":"s"})", line), "scope"));
	}

	void testSecretId()
	{
		Request request("GET", "/api/vault/secrets/7");
		request.setPathParams({{"id", "7"}});
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), VaultInput::secretId(request));
		for (const char* bad : {"0", "-1", "x", "", "99999999999999999999"})
		{
			request.setPathParams({{"id", bad}});
			thrown<NotFound>([&] { (void)VaultInput::secretId(request); }, CPPUNIT_SOURCELINE());
		}
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(VaultInputTest);
