#include "config/settings.h"

#include "media/codec.h"
#include "support/temp_dir.h"
#include "util/atomic_file.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace wisp {
namespace {

constexpr const char *kPath = "/home/u/.config/wisp/wisp.ini";

Settings loadOk(std::string_view text) {
  auto result = loadSettingsText(text, kPath);
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << "unexpected errors:\n" << formatConfigErrors(*errors);
    return {};
  }
  return std::get<Settings>(std::move(result));
}

std::vector<ConfigError> loadErrors(std::string_view text) {
  auto result = loadSettingsText(text, kPath);
  if (std::holds_alternative<Settings>(result)) {
    ADD_FAILURE() << "expected errors for:\n" << text;
    return {};
  }
  return std::get<std::vector<ConfigError>>(std::move(result));
}

// The single error a text produces; fails the test if there is not exactly one.
ConfigError loadError(std::string_view text) {
  std::vector<ConfigError> errors = loadErrors(text);
  EXPECT_EQ(errors.size(), 1u) << formatConfigErrors(errors);
  return errors.empty() ? ConfigError{} : errors[0];
}

std::string settingsWith(std::string_view line) {
  return "[Settings]\n" + std::string(line) + "\n";
}

std::string accountWith(std::string_view line) {
  return "[Account1]\nusername=1001\nserver=sip.example.com\n" + std::string(line) + "\n";
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ---- Defaults ----

TEST(Settings, EmptyFileGivesTheDocumentedDefaults) {
  Settings s = loadOk("");
  EXPECT_EQ(s.sourcePort, 0);
  EXPECT_EQ(s.listenAddress, "");
  EXPECT_EQ(s.rtpPortMin, 10000);
  EXPECT_EQ(s.rtpPortMax, 20000);
  EXPECT_EQ(s.audioCodecs, (std::vector<std::string>{"PCMU/8000/1", "PCMA/8000/1"}));
  EXPECT_EQ(s.autoAnswer, AutoAnswer::Never);
  EXPECT_EQ(s.autoAnswerDelay, 0);
  EXPECT_TRUE(s.callWaiting);
  EXPECT_EQ(s.userAgent, "");
  EXPECT_EQ(s.audioInputDevice.kind, AudioDeviceSpec::Kind::Default);
  EXPECT_EQ(s.audioOutputDevice.kind, AudioDeviceSpec::Kind::Default);
  EXPECT_EQ(s.accountId, 0);
  EXPECT_TRUE(s.accounts.empty());
  EXPECT_EQ(s, Settings{});
}

TEST(Settings, AccountDefaults) {
  Settings s = loadOk("[Account1]\nusername=1001\nserver=sip.example.com\n");
  ASSERT_EQ(s.accounts.size(), 1u);
  const AccountSettings &a = s.accounts[0];
  EXPECT_EQ(a.index, 1);
  EXPECT_EQ(a.transport, SipTransport::Udp);
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.registerRefresh, 300);
  EXPECT_EQ(a.keepAlive, 15);
  EXPECT_FALSE(a.hideCallerId);
  EXPECT_EQ(a.proxy, "");
  EXPECT_EQ(s.accountId, 1) << "[Account1] exists, so it is the default outgoing account";
}

// ---- A complete, valid file ----

TEST(Settings, LoadsEveryKey) {
  Settings s = loadOk("[Settings]\n"
                      "sourcePort=5070\n"
                      "listenAddress=127.0.0.2\n"
                      "rtpPortMin=30000\n"
                      "rtpPortMax=30100\n"
                      "audioCodecs=PCMA/8000/1 PCMU/8000/1\n"
                      "autoAnswer=all\n"
                      "autoAnswerDelay=3\n"
                      "callWaiting=no\n"
                      "userAgent=\" My Phone \"\n"
                      "audioInputDevice=null\n"
                      "audioOutputDevice=file:/tmp/out.wav\n"
                      "accountId=2\n"
                      "[Account2]\n"
                      "label=Home\n"
                      "server=sip.example.org:5080\n"
                      "proxy=[2001:db8::1]:5060\n"
                      "domain=example.org\n"
                      "username=alice\n"
                      "authID=alice-auth\n"
                      "password=p;a=ss #word\n"
                      "displayName=Alice Smith\n"
                      "transport=TLS\n"
                      "enabled=yes\n"
                      "registerRefresh=600\n"
                      "keepAlive=0\n"
                      "publicAddr=192.0.2.7\n"
                      "dialingPrefix=9\n"
                      "dialPlan=(1xxx|xx.)\n"
                      "hideCID=on\n");
  EXPECT_EQ(s.sourcePort, 5070);
  EXPECT_EQ(s.listenAddress, "127.0.0.2");
  EXPECT_EQ(s.rtpPortMin, 30000);
  EXPECT_EQ(s.rtpPortMax, 30100);
  EXPECT_EQ(s.audioCodecs, (std::vector<std::string>{"PCMA/8000/1", "PCMU/8000/1"}));
  EXPECT_EQ(s.autoAnswer, AutoAnswer::All);
  EXPECT_EQ(s.autoAnswerDelay, 3);
  EXPECT_FALSE(s.callWaiting);
  EXPECT_EQ(s.userAgent, " My Phone ");
  EXPECT_EQ(s.audioInputDevice, (AudioDeviceSpec{AudioDeviceSpec::Kind::Null, ""}));
  EXPECT_EQ(s.audioOutputDevice, (AudioDeviceSpec{AudioDeviceSpec::Kind::File, "/tmp/out.wav"}));
  EXPECT_EQ(s.accountId, 2);
  ASSERT_EQ(s.accounts.size(), 1u);
  const AccountSettings &a = s.accounts[0];
  EXPECT_EQ(a.index, 2);
  EXPECT_EQ(a.label, "Home");
  EXPECT_EQ(a.server, "sip.example.org:5080");
  EXPECT_EQ(a.proxy, "[2001:db8::1]:5060");
  EXPECT_EQ(a.domain, "example.org");
  EXPECT_EQ(a.username, "alice");
  EXPECT_EQ(a.authId, "alice-auth");
  EXPECT_EQ(a.password, "p;a=ss #word");
  EXPECT_EQ(a.displayName, "Alice Smith");
  EXPECT_EQ(a.transport, SipTransport::Tls);
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.registerRefresh, 600);
  EXPECT_EQ(a.keepAlive, 0);
  EXPECT_EQ(a.publicAddr, "192.0.2.7");
  EXPECT_EQ(a.dialingPrefix, "9");
  EXPECT_EQ(a.dialPlan, "(1xxx|xx.)");
  EXPECT_TRUE(a.hideCallerId);
  EXPECT_EQ(s.findAccount(2), &s.accounts[0]);
  EXPECT_EQ(s.findAccount(1), nullptr);
}

TEST(Settings, AccountsAreSortedByIndex) {
  Settings s = loadOk("[Account10]\nusername=c\ndomain=x\n"
                      "[Account2]\nusername=b\ndomain=x\n"
                      "[Account1]\nusername=a\ndomain=x\n"
                      "[Account99]\nusername=d\ndomain=x\n");
  std::vector<int> order;
  for (const AccountSettings &a : s.accounts)
    order.push_back(a.index);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 10, 99}));
}

TEST(Settings, ComparisonSeesEveryChange) {
  const std::string base = accountWith("label=A");
  Settings a = loadOk(base);
  EXPECT_EQ(a, loadOk(base));
  EXPECT_NE(a, loadOk(base + "[Settings]\nsourcePort=5061\n"));
  EXPECT_NE(a, loadOk(accountWith("label=B")));
  EXPECT_NE(a, loadOk(accountWith("password=x")));
  EXPECT_NE(a, loadOk(base + "[Settings]\naudioOutputDevice=null\n"));
}

// ---- Bad values: each names the file, the line and the key ----

TEST(Settings, ErrorMessageHasTheDocumentedShape) {
  ConfigError e = loadError("[Settings]\n; comment\nsourcePort=abc\n");
  EXPECT_EQ(e.toString(),
            "/home/u/.config/wisp/wisp.ini:3: [Settings] sourcePort: \"abc\" is not a port "
            "number (0-65535)");
}

struct BadValue {
  std::string text; // its last line is the bad one
  std::string section;
  std::string key;
  std::string messagePart;
};

// Shown in test names and failure messages instead of the object's bytes.
void PrintTo(const BadValue &bad, std::ostream *os) {
  *os << bad.section << "." << bad.key << ": " << bad.messagePart;
}

class SettingsBadValue : public testing::TestWithParam<BadValue> {};

TEST_P(SettingsBadValue, NamesLineSectionAndKey) {
  const BadValue &bad = GetParam();
  ConfigError e = loadError(bad.text);
  int lastLine = static_cast<int>(std::count(bad.text.begin(), bad.text.end(), '\n'));
  EXPECT_EQ(e.file, kPath);
  EXPECT_EQ(e.line, lastLine);
  EXPECT_EQ(e.section, bad.section);
  EXPECT_EQ(e.key, bad.key);
  EXPECT_TRUE(contains(e.message, bad.messagePart)) << e.toString();
}

INSTANTIATE_TEST_SUITE_P(
    Settings, SettingsBadValue,
    testing::Values(
        BadValue{settingsWith("sourcePort=65536"), "Settings", "sourcePort", "(0-65535)"},
        BadValue{settingsWith("sourcePort=-1"), "Settings", "sourcePort", "not a port"},
        BadValue{settingsWith("sourcePort="), "Settings", "sourcePort", "not a port"},
        BadValue{settingsWith("sourcePort=50 60"), "Settings", "sourcePort", "not a port"},
        BadValue{settingsWith("sourcePort=99999999999999999999"), "Settings", "sourcePort",
                 "not a port"},
        BadValue{settingsWith("listenAddress=localhost"), "Settings", "listenAddress",
                 "not an IP address"},
        BadValue{settingsWith("listenAddress=[::1]"), "Settings", "listenAddress",
                 "not an IP address"},
        BadValue{settingsWith("listenAddress=127.0.0.1:5060"), "Settings", "listenAddress",
                 "not an IP address"},
        BadValue{settingsWith("rtpPortMin=abc"), "Settings", "rtpPortMin",
                 "\"abc\" is not a port number (1024-65535)"},
        BadValue{settingsWith("rtpPortMax=80"), "Settings", "rtpPortMax", "(1024-65535)"},
        BadValue{settingsWith("audioCodecs=PCMU/8000/1 opus/48000/2"), "Settings", "audioCodecs",
                 "unsupported codec \"opus/48000/2\"; supported: PCMU/8000/1 PCMA/8000/1"},
        BadValue{settingsWith("audioCodecs=  "), "Settings", "audioCodecs", "empty"},
        BadValue{settingsWith("audioCodecs=PCMU/8000/1 pcmu/8000/1"), "Settings", "audioCodecs",
                 "listed twice"},
        BadValue{settingsWith("audioCodecs=PCMU"), "Settings", "audioCodecs",
                 "unsupported codec \"PCMU\""},
        BadValue{settingsWith("autoAnswer=button"), "Settings", "autoAnswer", "not supported yet"},
        BadValue{settingsWith("autoAnswer=header"), "Settings", "autoAnswer", "not supported yet"},
        BadValue{settingsWith("autoAnswer=sometimes"), "Settings", "autoAnswer", "use 0"},
        BadValue{settingsWith("autoAnswerDelay=3601"), "Settings", "autoAnswerDelay", "(0-3600)"},
        BadValue{settingsWith("callWaiting=maybe"), "Settings", "callWaiting", "yes/no"},
        BadValue{settingsWith("callWaiting="), "Settings", "callWaiting", "yes/no"},
        BadValue{settingsWith("audioInputDevice="), "Settings", "audioInputDevice", "empty"},
        BadValue{settingsWith("audioInputDevice=file:"), "Settings", "audioInputDevice",
                 "needs a path"},
        BadValue{settingsWith("audioOutputDevice=file:/tmp/out.raw"), "Settings",
                 "audioOutputDevice", ".wav"},
        BadValue{settingsWith("audioOutputDevice=hw:0,0"), "Settings", "audioOutputDevice",
                 "alsa:hw:0,0"},
        BadValue{settingsWith("audioInputDevice=pulse:"), "Settings", "audioInputDevice",
                 "needs a device name"},
        BadValue{settingsWith("accountId=100"), "Settings", "accountId", "(0-99)"},
        BadValue{settingsWith("accountId=3"), "Settings", "accountId", "no [Account3]"},
        BadValue{settingsWith("sorcePort=5060"), "Settings", "sorcePort",
                 "unknown key \"sorcePort\"; did you mean \"sourcePort\"?"},
        BadValue{settingsWith("SourcePort=5060"), "Settings", "SourcePort",
                 "did you mean \"sourcePort\"?"},
        BadValue{settingsWith("username=bob"), "Settings", "username", "[AccountN]"},
        BadValue{accountWith("sourcePort=1"), "Account1", "sourcePort", "belongs in [Settings]"},
        BadValue{accountWith("transport=sctp"), "Account1", "transport", "udp, tcp or tls"},
        BadValue{accountWith("enabled=2"), "Account1", "enabled", "yes/no"},
        BadValue{accountWith("hideCID=x"), "Account1", "hideCID", "yes/no"},
        BadValue{accountWith("registerRefresh=59"), "Account1", "registerRefresh", "(60-86400)"},
        BadValue{accountWith("keepAlive=3601"), "Account1", "keepAlive", "(0-3600)"},
        BadValue{accountWith("proxy=sip:proxy.example.com"), "Account1", "proxy",
                 "leave out the \"sip:\" prefix"},
        BadValue{accountWith("proxy=proxy.example.com:http"), "Account1", "proxy", "1-65535"},
        BadValue{accountWith("proxy=proxy.example.com:0"), "Account1", "proxy", "1-65535"},
        BadValue{accountWith("proxy=2001:db8::1"), "Account1", "proxy", "brackets"},
        BadValue{accountWith("proxy=[2001:db8::1"), "Account1", "proxy", "missing \"]\""},
        BadValue{accountWith("proxy=[::1]5060"), "Account1", "proxy", "after \"]\""},
        BadValue{accountWith("proxy=two words"), "Account1", "proxy", "not a host name"},
        BadValue{accountWith("publicAddr=:5060"), "Account1", "publicAddr", "empty host"},
        BadValue{accountWith("passwd=x"), "Account1", "passwd", "did you mean \"password\"?"},
        BadValue{accountWith("xyzzy=1"), "Account1", "xyzzy", "unknown key \"xyzzy\""}));

TEST(Settings, FarFetchedUnknownKeyGetsNoSuggestion) {
  ConfigError e = loadError(settingsWith("completelyDifferent=1"));
  EXPECT_EQ(e.message, "unknown key \"completelyDifferent\"");
}

struct BadSection {
  std::string name;
  std::string messagePart;
};

void PrintTo(const BadSection &bad, std::ostream *os) {
  *os << "[" << bad.name << "]";
}

class SettingsBadSection : public testing::TestWithParam<BadSection> {};

TEST_P(SettingsBadSection, IsReportedOnceAtItsHeader) {
  // Its keys are not reported one by one: the section error says it all.
  ConfigError e = loadError("; top\n[" + GetParam().name + "]\nserver=x\nusername=y\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.section, GetParam().name);
  EXPECT_EQ(e.key, "");
  EXPECT_TRUE(contains(e.message, GetParam().messagePart)) << e.toString();
}

INSTANTIATE_TEST_SUITE_P(
    Settings, SettingsBadSection,
    testing::Values(BadSection{"Account", "[Account1] to [Account99]"},
                    BadSection{"AccountX", "[Account1] to [Account99]"},
                    BadSection{"Account0", "[Account1] to [Account99]"},
                    BadSection{"Account100", "[Account1] to [Account99]"},
                    BadSection{"Account01", "leading zeros"},
                    BadSection{"account1", "did you mean [Account1]?"},
                    BadSection{"ACCOUNT7", "did you mean [Account7]?"},
                    BadSection{"Acount1", "did you mean [Account1]?"},
                    BadSection{"Accounts", "[Account1] to [Account99]"},
                    BadSection{"Setting", "did you mean [Settings]?"},
                    BadSection{"settings", "did you mean [Settings]?"},
                    BadSection{"Codecs",
                               "the sections are [Settings], [Hooks], [Api] and [Account1]"},
                    BadSection{"Hook", "did you mean [Hooks]?"}));

TEST(Settings, RtpRangeErrorBlamesTheKeyThatWasSet) {
  ConfigError onlyMin = loadError(settingsWith("rtpPortMin=25000"));
  EXPECT_EQ(onlyMin.key, "rtpPortMin");
  EXPECT_EQ(onlyMin.line, 2);
  EXPECT_TRUE(contains(onlyMin.message, "(25000) must be less than rtpPortMax (20000)"))
      << onlyMin.message;

  ConfigError onlyMax = loadError(settingsWith("rtpPortMax=5000"));
  EXPECT_EQ(onlyMax.key, "rtpPortMax");

  ConfigError both = loadError("[Settings]\nrtpPortMin=3000\nrtpPortMax=3000\n");
  EXPECT_EQ(both.key, "rtpPortMax");
  EXPECT_EQ(both.line, 3);
}

TEST(Settings, RtpRangeIsNotComparedWithAValueThatWasRejected) {
  // Only the bad value is reported, not also a range error against a default.
  ConfigError e = loadError("[Settings]\nrtpPortMin=abc\nrtpPortMax=5000\n");
  EXPECT_EQ(e.key, "rtpPortMin");
}

TEST(Settings, SmallestValidRtpRange) {
  Settings s = loadOk("[Settings]\nrtpPortMin=1024\nrtpPortMax=1025\n");
  EXPECT_EQ(s.rtpPortMin, 1024);
  EXPECT_EQ(s.rtpPortMax, 1025);
  EXPECT_EQ(loadOk(settingsWith("sourcePort=65535")).sourcePort, 65535);
}

TEST(Settings, CodecNamesAreMatchedIgnoringCaseAndStoredCanonically) {
  Settings s = loadOk(settingsWith("audioCodecs=  pcma/8000/1\tPcmU/8000/1 "));
  EXPECT_EQ(s.audioCodecs, (std::vector<std::string>{"PCMA/8000/1", "PCMU/8000/1"}));
  EXPECT_EQ(loadOk(settingsWith("audioCodecs=PCMA/8000/1")).audioCodecs,
            (std::vector<std::string>{"PCMA/8000/1"}));
}

TEST(Settings, EverySupportedCodecIsImplementedByTheMediaLayer) {
  for (std::string_view name : supportedAudioCodecs()) {
    const Codec *codec = findCodec(name);
    ASSERT_NE(codec, nullptr) << name;
    EXPECT_EQ(codec->configName(), name);
  }
}

TEST(Settings, AllUnsupportedCodecsAreNamed) {
  ConfigError e = loadError(settingsWith("audioCodecs=G722/8000/1 PCMU/8000/1 opus/48000/2"));
  EXPECT_TRUE(contains(e.message, "\"G722/8000/1\"")) << e.message;
  EXPECT_TRUE(contains(e.message, "\"opus/48000/2\"")) << e.message;
}

TEST(Settings, AutoAnswerModes) {
  for (std::string_view never : {"0", "off", "OFF", ""})
    EXPECT_EQ(loadOk(settingsWith("autoAnswer=" + std::string(never))).autoAnswer,
              AutoAnswer::Never)
        << never;
  EXPECT_EQ(loadOk(settingsWith("autoAnswer=All")).autoAnswer, AutoAnswer::All);
}

TEST(Settings, BooleanSpellings) {
  for (std::string_view yes : {"1", "true", "TRUE", "yes", "Yes", "on"})
    EXPECT_TRUE(loadOk(settingsWith("callWaiting=" + std::string(yes))).callWaiting) << yes;
  for (std::string_view no : {"0", "false", "no", "NO", "off", "Off"})
    EXPECT_FALSE(loadOk(settingsWith("callWaiting=" + std::string(no))).callWaiting) << no;
}

TEST(Settings, ListenAddressIsAutoOrAnIpAddress) {
  EXPECT_EQ(loadOk(settingsWith("listenAddress=auto")).listenAddress, "");
  EXPECT_EQ(loadOk(settingsWith("listenAddress=AUTO")), Settings{});
  EXPECT_EQ(loadOk(settingsWith("listenAddress=")).listenAddress, "");
  EXPECT_EQ(loadOk(settingsWith("listenAddress=127.0.0.1")).listenAddress, "127.0.0.1");
  EXPECT_EQ(loadOk(settingsWith("listenAddress=::1")).listenAddress, "::1");
}

TEST(Settings, TransportsIgnoreCase) {
  EXPECT_EQ(loadOk(accountWith("transport=udp")).accounts[0].transport, SipTransport::Udp);
  EXPECT_EQ(loadOk(accountWith("transport=TCP")).accounts[0].transport, SipTransport::Tcp);
  EXPECT_EQ(loadOk(accountWith("transport=tls")).accounts[0].transport, SipTransport::Tls);
  EXPECT_EQ(toString(SipTransport::Tcp), "tcp");
}

TEST(Settings, HostForms) {
  for (std::string_view host :
       {"sip.example.com", "sip.example.com:5060", "192.0.2.1", "192.0.2.1:5080", "[::1]",
        "[2001:db8::1]:5061", "localhost", "my_host-1.lan", ""})
    EXPECT_EQ(loadOk(accountWith("proxy=" + std::string(host))).accounts[0].proxy, host);
}

// ---- accountId ----

TEST(Settings, DefaultAccountIdIsOneOnlyIfAccount1Exists) {
  EXPECT_EQ(loadOk("[Account2]\nusername=a\ndomain=x\n").accountId, 0);
  EXPECT_EQ(loadOk("[Account1]\nusername=a\ndomain=x\n").accountId, 1);
}

TEST(Settings, ExplicitAccountId) {
  const std::string accounts =
      "[Account1]\nusername=a\ndomain=x\n[Account2]\nusername=b\ndomain=x\n";
  EXPECT_EQ(loadOk(accounts + "[Settings]\naccountId=2\n").accountId, 2);
  EXPECT_EQ(loadOk(accounts + "[Settings]\naccountId=0\n").accountId, 0);
}

// ---- Account completeness ----

TEST(Settings, EnabledAccountNeedsUsernameAndServerOrDomain) {
  std::vector<ConfigError> errors = loadErrors("[Settings]\n\n[Account4]\nlabel=x\n");
  ASSERT_EQ(errors.size(), 2u) << formatConfigErrors(errors);
  for (const ConfigError &e : errors) {
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.section, "Account4");
    EXPECT_TRUE(contains(e.message, "enabled=0")) << e.message;
  }
  EXPECT_EQ(errors[0].key, "username");
  EXPECT_EQ(errors[1].key, "server");
  EXPECT_EQ(loadOk("[Account4]\nusername=a\nserver=s\n").accounts.size(), 1u);
  EXPECT_EQ(loadOk("[Account4]\nusername=a\ndomain=d\n").accounts.size(), 1u);
}

TEST(Settings, ARejectedServerIsNotAlsoReportedAsMissing) {
  ConfigError e = loadError("[Account1]\nusername=a\nserver=sip:host\n");
  EXPECT_EQ(e.key, "server");
  EXPECT_EQ(e.line, 3);
}

TEST(Settings, DisabledAccountMayBeIncomplete) {
  Settings s = loadOk("[Account3]\nenabled=0\n");
  ASSERT_EQ(s.accounts.size(), 1u);
  EXPECT_FALSE(s.accounts[0].enabled);
}

// ---- Audio device specs ----

TEST(AudioDeviceSpec, ParsesEveryForm) {
  using Kind = AudioDeviceSpec::Kind;
  struct Case {
    std::string text;
    Kind kind;
    std::string name;
    std::string canonical;
  };
  for (const Case &c : std::vector<Case>{
           {"default", Kind::Default, "", "default"},
           {"null", Kind::Null, "", "null"},
           {"file:/tmp/a.wav", Kind::File, "/tmp/a.wav", "file:/tmp/a.wav"},
           {"file:rel/b.WAV", Kind::File, "rel/b.WAV", "file:rel/b.WAV"},
           {"pulse:alsa_output.pci-0000_00_1f.3.analog-stereo", Kind::Pulse,
            "alsa_output.pci-0000_00_1f.3.analog-stereo",
            "pulse:alsa_output.pci-0000_00_1f.3.analog-stereo"},
           {"alsa:hw:0,0", Kind::Alsa, "hw:0,0", "alsa:hw:0,0"},
           {"MyHeadset", Kind::Pulse, "MyHeadset", "pulse:MyHeadset"},
       }) {
    Result<AudioDeviceSpec> spec = parseAudioDeviceSpec(c.text, AudioDirection::Output);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.error().message;
    EXPECT_EQ(spec->kind, c.kind) << c.text;
    EXPECT_EQ(spec->name, c.name) << c.text;
    EXPECT_EQ(spec->toString(), c.canonical);
    // The canonical form parses back to the same spec.
    Result<AudioDeviceSpec> again = parseAudioDeviceSpec(spec->toString(), AudioDirection::Output);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *spec);
  }
}

TEST(AudioDeviceSpec, InputFilesNeedNotBeWavButOutputFilesMust) {
  EXPECT_TRUE(parseAudioDeviceSpec("file:/tmp/in.raw", AudioDirection::Input).ok());
  Result<AudioDeviceSpec> out = parseAudioDeviceSpec("file:/tmp/out.raw", AudioDirection::Output);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "bad_argument");
  EXPECT_TRUE(contains(out.error().message, "\"file:/tmp/out.raw\"")) << out.error().message;
  EXPECT_FALSE(parseAudioDeviceSpec("file:.wav", AudioDirection::Output).ok());
}

TEST(AudioDeviceSpec, Rejections) {
  for (std::string_view bad : {"", "file:", "pulse:", "alsa:", "hw:0,0", "oss:/dev/dsp"})
    EXPECT_FALSE(parseAudioDeviceSpec(bad, AudioDirection::Input).ok()) << bad;
}

TEST(Settings, RelativeAudioFilesAreFoundBesideTheIniFile) {
  Settings s = loadOk("[Settings]\naudioInputDevice=file:sounds/in.wav\n"
                      "audioOutputDevice=file:/abs/out.wav\n");
  EXPECT_EQ(s.audioInputDevice.name, "/home/u/.config/wisp/sounds/in.wav");
  EXPECT_EQ(s.audioOutputDevice.name, "/abs/out.wav");
}

// ---- Reporting everything at once ----

TEST(Settings, ReportsEverySyntaxAndValueErrorSortedByLine) {
  std::vector<ConfigError> errors = loadErrors("[Settings]\n"          // 1
                                               "sourcePort=x\n"        // 2 bad value
                                               "this is not a line\n"  // 3 syntax
                                               "callWaiting=perhaps\n" // 4 bad value
                                               "sourcePort=1\n"        // 5 duplicate
                                               "[Acount1]\n"           // 6 unknown section
                                               "server=x\n");
  ASSERT_EQ(errors.size(), 5u) << formatConfigErrors(errors);
  std::vector<int> lines;
  for (const ConfigError &e : errors)
    lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 5, 6}));
  EXPECT_EQ(errors[1].key, "");
  EXPECT_EQ(errors[3].key, "sourcePort");
}

TEST(Settings, LoadSettingsOnAParsedDocumentMatchesLoadSettingsText) {
  const std::string text = accountWith("label=x") + "[Settings]\nrtpPortMin=12000\n";
  auto doc = parseIni(text, kPath);
  ASSERT_TRUE(std::holds_alternative<IniDocument>(doc));
  auto loaded = loadSettings(std::get<IniDocument>(doc));
  ASSERT_TRUE(std::holds_alternative<Settings>(loaded));
  EXPECT_EQ(std::get<Settings>(loaded), loadOk(text));
  EXPECT_EQ(std::get<Settings>(loaded).rtpPortMin, 12000);
}

// ---- The default wisp.ini ----

TEST(DefaultIni, LoadsToExactlyTheDefaults) {
  EXPECT_EQ(loadOk(defaultIniText()), Settings{});
}

// The default file's examples are lines with ";" directly before the text.
std::string uncommentExamples(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == ';' && line[1] != ' ')
      line.erase(0, 1);
    out += line + "\n";
  }
  return out;
}

TEST(DefaultIni, ExamplesAreValidAndDocumentEveryKey) {
  std::string text = uncommentExamples(defaultIniText());
  ASSERT_NE(text, std::string(defaultIniText())) << "the default file has no examples";
  auto doc = parseIni(text, kPath);
  ASSERT_TRUE(std::holds_alternative<IniDocument>(doc))
      << formatConfigErrors(std::get<std::vector<ConfigError>>(doc));
  const IniDocument &ini = std::get<IniDocument>(doc);
  for (std::string_view key : settingsSectionKeys())
    EXPECT_NE(ini.find("Settings", key), nullptr) << "[Settings] " << key << " is not documented";
  for (std::string_view key : accountSectionKeys())
    EXPECT_NE(ini.find("Account1", key), nullptr) << "[Account1] " << key << " is not documented";
  for (std::string_view key : apiSectionKeys())
    EXPECT_NE(ini.find("Api", key), nullptr) << "[Api] " << key << " is not documented";

  Settings s = loadOk(text);
  ASSERT_EQ(s.accounts.size(), 1u);
  EXPECT_EQ(s.accountId, 1);
  EXPECT_TRUE(s.accounts[0].enabled);
}

TEST(DefaultIni, ListsEverySupportedCodec) {
  std::string_view text = defaultIniText();
  size_t line = text.find("; Supported:");
  ASSERT_NE(line, std::string_view::npos);
  std::string_view supportedLine = text.substr(line, text.find('\n', line) - line);
  for (std::string_view codec : supportedAudioCodecs())
    EXPECT_TRUE(contains(supportedLine, codec)) << codec;
}

TEST(DefaultIni, KeyListsAreComplete) {
  EXPECT_EQ(settingsSectionKeys().size(), 24u);
  EXPECT_EQ(accountSectionKeys().size(), 17u);
  EXPECT_EQ(apiSectionKeys().size(), 5u);
}

// ---- Files ----

TEST(Settings, LoadSettingsFileReadsAndNamesTheFile) {
  test::TempDir dir("wisp-settings");
  const std::filesystem::path file = dir / "wisp.ini";

  auto missing = loadSettingsFile(file);
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(missing));
  const auto &missingErrors = std::get<std::vector<ConfigError>>(missing);
  ASSERT_EQ(missingErrors.size(), 1u);
  EXPECT_TRUE(contains(missingErrors[0].toString(), file.string())) << missingErrors[0].toString();

  ASSERT_TRUE(writeFileAtomically(file, "[Settings]\nsourcePort=5090\n").ok());
  auto good = loadSettingsFile(file);
  ASSERT_TRUE(std::holds_alternative<Settings>(good));
  EXPECT_EQ(std::get<Settings>(good).sourcePort, 5090);

  ASSERT_TRUE(writeFileAtomically(file, "[Settings]\nsourcePort=bad\n").ok());
  auto bad = loadSettingsFile(file);
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(bad));
  EXPECT_EQ(
      std::get<std::vector<ConfigError>>(bad).at(0).toString().rfind(file.string() + ":2: ", 0),
      0u);
}

// ---- Robustness ----

TEST(SettingsRobustness, RandomDocumentsNeverCrash) {
  // Documents built from real section and key names with random values, so that every
  // value parser sees garbage.
  std::vector<std::string> sections = {"Settings", "Account1", "Account42", "Account", "X"};
  std::vector<std::string> keys;
  for (std::string_view k : settingsSectionKeys())
    keys.emplace_back(k);
  for (std::string_view k : accountSectionKeys())
    keys.emplace_back(k);
  const std::string alphabet = "0123456789:[]./ -abcfilenulpsPCMU\xff";
  std::mt19937 rng(99);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  for (int i = 0; i < 2000; ++i) {
    IniDocument doc;
    doc.path = "fuzz/wisp.ini";
    size_t nSections = pick(4);
    int line = 0;
    for (size_t s = 0; s < nSections; ++s) {
      std::string section = sections[pick(sections.size())];
      if (!doc.findSection(section))
        doc.sections.push_back({section, ++line});
      for (size_t k = pick(6); k > 0; --k) {
        std::string value;
        for (size_t n = pick(12); n > 0; --n)
          value += alphabet[pick(alphabet.size())];
        doc.entries.push_back({section, keys[pick(keys.size())], value, ++line});
      }
    }
    auto result = loadSettings(doc);
    if (auto *errors = std::get_if<std::vector<ConfigError>>(&result)) {
      for (const ConfigError &e : *errors) {
        EXPECT_GE(e.line, 1);
        EXPECT_FALSE(e.message.empty());
        EXPECT_EQ(e.file, doc.path);
      }
    } else {
      const Settings &s = std::get<Settings>(result);
      EXPECT_LT(s.rtpPortMin, s.rtpPortMax);
      EXPECT_FALSE(s.audioCodecs.empty());
      EXPECT_TRUE(s.accountId == 0 || s.findAccount(s.accountId));
    }
    if (HasFailure())
      return;
  }
}

} // namespace
} // namespace wisp

namespace wisp {
namespace {

TEST(Settings, StunKeysTakeMicroSipsServerList) {
  Settings off = loadOk("");
  EXPECT_FALSE(off.enableStun);
  EXPECT_TRUE(off.stunServers.empty());
  Settings s =
      loadOk("[Settings]\nenableSTUN=1\nSTUN=192.0.2.7:3479, stun.example.org;[2001:db8::1]\n");
  EXPECT_TRUE(s.enableStun);
  EXPECT_EQ(s.stunServers,
            (std::vector<std::string>{"192.0.2.7:3479", "stun.example.org", "[2001:db8::1]"}));
  ConfigError e = loadError("[Settings]\nSTUN=192.0.2.7:99999\n");
  EXPECT_NE(e.toString().find("STUN server"), std::string::npos) << e.toString();
}

} // namespace
} // namespace wisp
