#include "control/command_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace wisp {
namespace {

using Argv = std::vector<std::string>;
using K = CommandKind;

Command parseOk(const Argv &argv) {
  Result<Command> command = parseCommand(argv);
  EXPECT_TRUE(command.ok()) << ::testing::PrintToString(argv) << ": "
                            << (command.ok() ? "" : command.error().message);
  return command.ok() ? command.value() : Command{};
}

Error parseError(const Argv &argv) {
  Result<Command> command = parseCommand(argv);
  EXPECT_FALSE(command.ok()) << ::testing::PrintToString(argv) << " parsed as "
                             << (command.ok() ? toString(command.value()) : "");
  return command.ok() ? Error{} : command.error();
}

bool contains(const std::string &text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Command dialCommand(std::string target, std::vector<std::string> postDial = {}) {
  Command command;
  command.kind = K::Dial;
  command.target = std::move(target);
  command.postDialDtmf = std::move(postDial);
  return command;
}

TEST(CommandParser, DialTakesOneTarget) {
  EXPECT_EQ(parseOk({"dial", "sip:alice@example.com"}), dialCommand("sip:alice@example.com"));
  EXPECT_EQ(parseOk({"dial", "alice"}), dialCommand("alice"));
  EXPECT_EQ(parseOk({"dial", "1234"}), dialCommand("1234"));
  EXPECT_EQ(parseOk({"dial", "bob@127.0.0.1:5062"}), dialCommand("bob@127.0.0.1:5062"));
  // Names that are also commands can be called through dial.
  EXPECT_EQ(parseOk({"dial", "hangup"}), dialCommand("hangup"));
}

TEST(CommandParser, DialWithoutTargetExplains) {
  Error error = parseError({"dial"});
  EXPECT_EQ(error.code, "missing_argument");
  EXPECT_TRUE(contains(error.message, "dial needs a target, e.g. wisp dial sip:")) << error.message;
}

TEST(CommandParser, DialAccountOption) {
  Command expected = dialCommand("1234");
  expected.account = "2";
  EXPECT_EQ(parseOk({"dial", "--account", "2", "1234"}), expected);
  expected.account = "work";
  EXPECT_EQ(parseOk({"dial", "--account=work", "1234"}), expected);
  EXPECT_EQ(parseError({"dial", "--account"}).code, "missing_argument");
  EXPECT_EQ(parseError({"dial", "--account", "2"}).code, "missing_argument");
  EXPECT_EQ(parseError({"dial", "--account=", "1234"}).code, "missing_argument");
  EXPECT_EQ(parseError({"dial", "--account", "a\nb", "1234"}).code, "bad_argument");
  Error unknown = parseError({"dial", "--acount", "2", "1234"});
  EXPECT_EQ(unknown.code, "bad_argument");
  EXPECT_TRUE(contains(unknown.message, "--acount")) << unknown.message;
}

TEST(CommandParser, RegisterAndUnregisterTakeAnOptionalAccount) {
  Command all;
  all.kind = K::Register;
  EXPECT_EQ(parseOk({"register"}), all);
  Command one = all;
  one.account = "Office";
  EXPECT_EQ(parseOk({"register", "Office"}), one);
  one.kind = K::Unregister;
  one.account = "2";
  EXPECT_EQ(parseOk({"unregister", "2"}), one);
  EXPECT_EQ(parseError({"register", "1", "2"}).code, "too_many_arguments");
  EXPECT_TRUE(contains(parseError({"registr"}).message, "\"register\"")) << "suggests register";
}

TEST(CommandParser, DialRejectsExtraArguments) {
  Error error = parseError({"dial", "1234", "5678"});
  EXPECT_EQ(error.code, "too_many_arguments");
  EXPECT_TRUE(contains(error.message, "dial")) << error.message;
  EXPECT_TRUE(contains(error.message, usage(K::Dial))) << error.message;
}

TEST(CommandParser, PostDialDtmfGroups) {
  EXPECT_EQ(parseOk({"1234,,56#"}), dialCommand("1234", {"", "56#"}));
  EXPECT_EQ(parseOk({"dial", "+15551234,1,a"}), dialCommand("+15551234", {"1", "A"}));
  EXPECT_EQ(parseError({"dial", "1234,5z"}).code, "bad_argument");
}

TEST(CommandParser, LoneNumbersUrisAndAddressesDial) {
  EXPECT_EQ(parseOk({"1234"}), dialCommand("1234"));
  EXPECT_EQ(parseOk({"+15551234"}), dialCommand("+15551234"));
  EXPECT_EQ(parseOk({"*97#"}), dialCommand("*97#"));
  EXPECT_EQ(parseOk({"sip:bob@example.com"}), dialCommand("sip:bob@example.com"));
  EXPECT_EQ(parseOk({"sips:bob@example.com"}), dialCommand("sips:bob@example.com"));
  EXPECT_EQ(parseOk({"bob@127.0.0.1:5062"}), dialCommand("bob@127.0.0.1:5062"));
  EXPECT_EQ(parseOk({"SIP:bob@example.com"}), dialCommand("sip:bob@example.com"));
}

TEST(CommandParser, UrlHandlerSchemes) {
  EXPECT_EQ(parseOk({"tel:+1-555-1234"}), dialCommand("+15551234"));
  EXPECT_EQ(parseOk({"tel://+1%20555%201234/"}), dialCommand("+15551234"));
  EXPECT_EQ(parseOk({"callto:%2B1(555)1234"}), dialCommand("+15551234"));
  EXPECT_EQ(parseOk({"callto://bob@example.com/"}), dialCommand("bob@example.com"));
  EXPECT_EQ(parseOk({"dial:1234"}), dialCommand("1234"));
  EXPECT_EQ(parseOk({"dialpad:+49.30.123"}), dialCommand("+4930123"));
  EXPECT_EQ(parseOk({"sip://bob@example.com/"}), dialCommand("sip:bob@example.com"));
  EXPECT_EQ(parseOk({"sip:%2B15551234@example.com"}), dialCommand("sip:+15551234@example.com"));
  EXPECT_EQ(parseOk({"tel:+1-555-1234,,9"}), dialCommand("+15551234", {"", "9"}));
}

// MicroSIP: "NUMBER text" sends the text as a SIP MESSAGE.
TEST(CommandParser, LoneTargetWithMoreWordsIsAMessage) {
  Command message = parseOk({"1234", "hello", "there"});
  EXPECT_EQ(message.kind, K::Message);
  EXPECT_EQ(message.target, "1234");
  EXPECT_EQ(message.text, "hello there");
  EXPECT_EQ(parseOk({"message", "sip:bob@example.com", "hi"}).target, "sip:bob@example.com");
  EXPECT_EQ(parseError({"message"}).code, "missing_argument");
  EXPECT_EQ(parseError({"message", "1234"}).code, "missing_argument");
  EXPECT_EQ(parseError({"message", "bad target", "hi"}).code, "bad_argument");
}

TEST(CommandParser, ActionUris) {
  EXPECT_EQ(parseOk({"action:dial?number=1234"}), dialCommand("1234"));
  EXPECT_EQ(parseOk({"ACTION:Dial?number=%2B1%20555%201234"}), dialCommand("+15551234"));
  EXPECT_EQ(parseOk({"action:dial?x=1&number=+15551234,,9"}), dialCommand("+15551234", {"", "9"}));
  EXPECT_EQ(parseOk({"action:dial?number=bob%40example.com"}), dialCommand("bob@example.com"));
  EXPECT_EQ(parseOk({"action:answer"}).kind, K::Answer);
  EXPECT_EQ(parseOk({"action:hangup"}).kind, K::Hangup);
  EXPECT_EQ(parseError({"action:dial"}).code, "missing_argument");
  EXPECT_EQ(parseError({"action:dial?number="}).code, "missing_argument");
  EXPECT_EQ(parseError({"action:dial?number=%zz"}).code, "bad_argument");
  EXPECT_EQ(parseError({"action:dial?number=12%0d%0aX: y"}).code, "bad_argument");
  EXPECT_EQ(parseError({"action:answer?x=1"}).code, "bad_argument");
  EXPECT_EQ(parseError({"action:answer", "2"}).code, "too_many_arguments");
  Error unknown = parseError({"action:answr"});
  EXPECT_EQ(unknown.code, "unknown_command");
  EXPECT_TRUE(contains(unknown.message, "action:answer")) << unknown.message;
}

TEST(CommandParser, BracketCommands) {
  EXPECT_EQ(parseOk({"[Dial(5551234)]"}), dialCommand("5551234"));
  EXPECT_EQ(parseOk({"[dial(+1-555-1234)]"}), dialCommand("+15551234"));
  EXPECT_EQ(parseOk({"[Answer]"}).kind, K::Answer);
  EXPECT_EQ(parseOk({"[HANGUP]"}).kind, K::Hangup);
  EXPECT_EQ(parseError({"[Dial()]"}).code, "missing_argument");
  EXPECT_EQ(parseOk({"[Dial(555 1234)]"}), dialCommand("5551234"));
  EXPECT_EQ(parseError({"[Dial(12<34)]"}).code, "bad_argument");
  EXPECT_EQ(parseError({"[Hangup]", "1"}).code, "too_many_arguments");
  Error unknown = parseError({"[Anwser]"});
  EXPECT_EQ(unknown.code, "unknown_command");
  EXPECT_TRUE(contains(unknown.message, "[Answer]")) << unknown.message;
  EXPECT_EQ(parseError({"[]"}).code, "unknown_command");
}

TEST(CommandParser, PercentDecodeQueryValue) {
  EXPECT_EQ(percentDecodeQueryValue("%2B1+2%20").value(), "+1+2 ");
  EXPECT_FALSE(percentDecodeQueryValue("%2").ok());
  EXPECT_FALSE(percentDecodeQueryValue("%g0").ok());
  EXPECT_EQ(percentDecodeQueryValue("").value(), "");
}

TEST(CommandParser, BadDialTargets) {
  for (const Argv &argv :
       {Argv{"http://example.com"}, Argv{"sip:"}, Argv{"tel:abc"}, Argv{"dial", "127.0.0.1"},
        Argv{"dial", "sip:1234"}, Argv{"example.com:5060"}, Argv{"dial", ""}}) {
    EXPECT_EQ(parseError(argv).code, "bad_argument") << ::testing::PrintToString(argv);
  }
}

TEST(CommandParser, RejectsHeaderInjection) {
  for (const Argv &argv : {Argv{"dial", "sip:bob@example.com\r\nVia: SIP/2.0/UDP 127.0.0.1"},
                           Argv{"sip:bob@example.com>\r\nContact: <sip:evil@127.0.0.1>"},
                           Argv{"dial", "bob\r\n@example.com"}, Argv{"tel:1234%0D%0AX:%20y"},
                           Argv{"transfer", "bob@example.com\nX: y"}, Argv{"/transfer:1\r\n2"},
                           Argv{"dial", "<sip:bob@example.com>"}, Argv{"/password:a\r\nb"}}) {
    Error error = parseError(argv);
    EXPECT_EQ(error.code, "bad_argument") << ::testing::PrintToString(argv);
    EXPECT_FALSE(contains(error.message, "\n")) << error.message;
    EXPECT_FALSE(contains(error.message, "\r")) << error.message;
  }
}

TEST(CommandParser, CallCommandsTakeAnOptionalCallId) {
  for (K kind : {K::Answer, K::Hangup, K::Hold, K::Unhold}) {
    std::string name(commandName(kind));
    Command expected;
    expected.kind = kind;
    EXPECT_EQ(parseOk({name}), expected) << name;
    expected.call = 2;
    EXPECT_EQ(parseOk({name, "2"}), expected) << name;
    EXPECT_EQ(parseOk({name, "#2"}), expected) << name;
    Error extra = parseError({name, "1", "2"});
    EXPECT_EQ(extra.code, "too_many_arguments") << name;
    EXPECT_TRUE(contains(extra.message, usage(kind))) << extra.message;
  }
}

TEST(CommandParser, BadCallIds) {
  for (const char *bad :
       {"0", "-1", "abc", "#", "", "1.5", "+1", "#-2", "1x", "99999999999", "##1", " 1"}) {
    Error error = parseError({"answer", bad});
    EXPECT_EQ(error.code, "bad_argument") << bad;
    EXPECT_TRUE(contains(error.message, "call id")) << error.message;
  }
  EXPECT_EQ(parseError({"dtmf", "1", "0"}).code, "bad_argument");
  EXPECT_EQ(parseError({"hangup", "x"}).code, "bad_argument");
}

TEST(CommandParser, HangupAll) {
  Command all;
  all.kind = K::HangupAll;
  EXPECT_EQ(parseOk({"hangup", "--all"}), all);
  EXPECT_EQ(parseOk({"hangup-all"}), all);
  EXPECT_EQ(parseError({"hangup", "--all", "2"}).code, "too_many_arguments");
  EXPECT_EQ(parseError({"hangup", "2", "--all"}).code, "too_many_arguments");
}

TEST(CommandParser, Dtmf) {
  Command expected;
  expected.kind = K::Dtmf;
  expected.digits = "0123456789*#ABCD";
  EXPECT_EQ(parseOk({"dtmf", "0123456789*#abcd"}), expected);
  expected.call = 3;
  EXPECT_EQ(parseOk({"dtmf", "0123456789*#ABCD", "#3"}), expected);
  EXPECT_EQ(parseError({"dtmf"}).code, "missing_argument");
  EXPECT_EQ(parseError({"dtmf", "1", "2", "3"}).code, "too_many_arguments");
  for (const char *bad : {"12x", "1,2", "1 2", "e", "1\r"}) {
    Error error = parseError({"dtmf", bad});
    EXPECT_EQ(error.code, "bad_argument") << bad;
    EXPECT_TRUE(contains(error.message, "0-9, *, #, A-D")) << error.message;
  }
  EXPECT_TRUE(contains(parseError({"dtmf", "12x"}).message, "'x'"));
  EXPECT_TRUE(contains(parseError({"dtmf", "1,2"}).message, "','"));
  EXPECT_TRUE(contains(parseError({"dtmf", "1\r"}).message, "\\r"));
}

TEST(CommandParser, StatusReloadExit) {
  EXPECT_EQ(parseOk({"status"}).kind, K::Status);
  EXPECT_FALSE(parseOk({"status"}).json);
  EXPECT_TRUE(parseOk({"status", "--json"}).json);
  EXPECT_EQ(parseError({"status", "--xml"}).code, "bad_argument");
  EXPECT_EQ(parseError({"status", "--json", "x"}).code, "too_many_arguments");
  EXPECT_EQ(parseOk({"reload"}).kind, K::Reload);
  EXPECT_EQ(parseOk({"exit"}).kind, K::Exit);
  Error extra = parseError({"exit", "now"});
  EXPECT_EQ(extra.code, "too_many_arguments");
  EXPECT_TRUE(contains(extra.message, "exit")) << extra.message;
  EXPECT_TRUE(contains(extra.message, "\"now\"")) << extra.message;
}

TEST(CommandParser, Help) {
  EXPECT_EQ(parseOk({"help"}).kind, K::Help);
  EXPECT_FALSE(parseOk({"help"}).helpTopic.has_value());
  EXPECT_EQ(parseOk({"help", "dial"}).helpTopic, K::Dial);
  EXPECT_EQ(parseOk({"help", "/answer"}).helpTopic, K::Answer);
  EXPECT_EQ(parseOk({"help", "/dtmf:12"}).helpTopic, K::Dtmf);
  EXPECT_EQ(parseOk({"help", "msip:micmute"}).helpTopic, K::MicMute);
  EXPECT_EQ(parseOk({"help", "msip:transfer_12"}).helpTopic, K::Transfer);
  EXPECT_EQ(parseOk({"--help"}).kind, K::Help);
  EXPECT_EQ(parseOk({"-h", "status"}).helpTopic, K::Status);
  Error unknown = parseError({"help", "hangpu"});
  EXPECT_EQ(unknown.code, "unknown_command");
  EXPECT_TRUE(contains(unknown.message, "did you mean \"hangup\"")) << unknown.message;
  EXPECT_EQ(parseError({"help", "dial", "hangup"}).code, "too_many_arguments");
}

TEST(CommandParser, Transfer) {
  Command expected;
  expected.kind = K::Transfer;
  expected.target = "1234";
  EXPECT_EQ(parseOk({"transfer", "1234"}), expected);
  EXPECT_EQ(parseOk({"/transfer:1234"}), expected);
  EXPECT_EQ(parseOk({"msip:transfer_1234"}), expected);
  expected.call = 2;
  EXPECT_EQ(parseOk({"transfer", "1234", "2"}), expected);
  EXPECT_EQ(parseOk({"transfer", "sip:bob@example.com"}).target, "sip:bob@example.com");
  EXPECT_EQ(parseError({"transfer"}).code, "missing_argument");
  EXPECT_EQ(parseError({"transfer", "1234,5"}).code, "bad_argument");
  EXPECT_EQ(parseError({"transfer", "1234", "0"}).code, "bad_argument");
  EXPECT_EQ(parseError({"transfer", "1", "2", "3"}).code, "too_many_arguments");
  EXPECT_EQ(parseError({"/transfer:"}).code, "missing_argument");
  EXPECT_EQ(parseError({"msip:transfer_"}).code, "missing_argument");
}

TEST(CommandParser, Volume) {
  EXPECT_EQ(parseOk({"volume", "0"}).volume, 0);
  EXPECT_EQ(parseOk({"volume", "100"}).volume, 100);
  EXPECT_EQ(parseOk({"volume", "55"}).kind, K::Volume);
  for (const char *bad : {"101", "-1", "loud", "50%", "", "5.5"}) {
    EXPECT_EQ(parseError({"volume", bad}).code, "bad_argument") << bad;
  }
  EXPECT_EQ(parseError({"volume"}).code, "missing_argument");
  EXPECT_EQ(parseError({"volume", "1", "2"}).code, "too_many_arguments");
}

TEST(CommandParser, AccountsAndPasswords) {
  Command select;
  select.kind = K::SelectAccount;
  select.account = "2";
  EXPECT_EQ(parseOk({"account", "2"}), select);
  EXPECT_EQ(parseOk({"/account:2"}), select);
  Command dialWithAccount = dialCommand("1234");
  dialWithAccount.account = "2";
  EXPECT_EQ(parseOk({"/account:2", "1234"}), dialWithAccount);
  EXPECT_EQ(parseError({"/account:"}).code, "missing_argument");
  EXPECT_EQ(parseError({"/account:2", "1234", "5"}).code, "too_many_arguments");
  EXPECT_EQ(parseError({"account"}).code, "missing_argument");

  Command password;
  password.kind = K::SetPassword;
  password.secret = "s3cr:t";
  EXPECT_EQ(parseOk({"/password:s3cr:t"}), password);
  EXPECT_EQ(parseOk({"password", "s3cr:t"}), password);
  EXPECT_EQ(parseError({"/password:"}).code, "missing_argument");
}

struct Synonym {
  Argv argv;
  CommandKind kind;
};

TEST(CommandParser, MicrosipAndOtherSynonyms) {
  const std::vector<Synonym> synonyms = {
      {{"answer"}, K::Answer},
      {{"/answer"}, K::Answer},
      {{"msip:answer"}, K::Answer},
      {{"/ANSWER"}, K::Answer},
      {{"MSIP:Answer"}, K::Answer},
      {{"Answer"}, K::Answer},
      {{"/hangupall"}, K::HangupAll},
      {{"msip:hangupall"}, K::HangupAll},
      {{"/hangupincoming"}, K::HangupIncoming},
      {{"hangup-incoming"}, K::HangupIncoming},
      {{"/hangupcalling"}, K::HangupCalling},
      {{"hangup-calling"}, K::HangupCalling},
      {{"/exit"}, K::Exit},
      {{"/minimized"}, K::Minimize},
      {{"msip:minimize"}, K::Minimize},
      {{"hide"}, K::Minimize},
      {{"show"}, K::Show},
      {{"msip:hold"}, K::HoldToggle},
      {{"hold-toggle"}, K::HoldToggle},
      {{"mute"}, K::MicMute},
      {{"msip:micmute"}, K::MicMute},
      {{"unmute"}, K::MicUnmute},
      {{"msip:micunmute"}, K::MicUnmute},
      {{"msip:micmuteclick"}, K::MicMuteToggle},
      {{"mute-toggle"}, K::MicMuteToggle},
      {{"msip:speakmute"}, K::SpeakerMute},
      {{"msip:speakunmute"}, K::SpeakerUnmute},
      {{"msip:speakmuteclick"}, K::SpeakerMuteToggle},
      {{"msip:micup"}, K::MicUp},
      {{"msip:micdown"}, K::MicDown},
      {{"msip:speakup"}, K::SpeakerUp},
      {{"msip:speakdown"}, K::SpeakerDown},
      {{"speaker-up"}, K::SpeakerUp},
      {{"/dtmf:12#"}, K::Dtmf},
  };
  for (const Synonym &synonym : synonyms) {
    Command command = parseOk(synonym.argv);
    EXPECT_EQ(command.kind, synonym.kind) << synonym.argv[0];
    if (synonym.kind != K::Dtmf) {
      Command bare;
      bare.kind = synonym.kind;
      EXPECT_EQ(command, bare) << synonym.argv[0] << " must not set other fields";
    }
  }
  EXPECT_EQ(parseOk({"/dtmf:12ab"}).digits, "12AB");
  EXPECT_EQ(parseError({"/dtmf:12x"}).code, "bad_argument");
  EXPECT_EQ(parseError({"/dtmf:"}).code, "missing_argument");
}

TEST(CommandParser, MicrosipFormsRejectStrayValuesAndWords) {
  Error value = parseError({"/answer:1"});
  EXPECT_EQ(value.code, "bad_argument");
  EXPECT_TRUE(contains(value.message, "/answer")) << value.message;
  Error extra = parseError({"/hangupall", "now"});
  EXPECT_EQ(extra.code, "too_many_arguments");
  EXPECT_TRUE(contains(extra.message, "wisp /hangupall")) << extra.message;
  EXPECT_EQ(parseError({"msip:answer", "1"}).code, "too_many_arguments");
  EXPECT_EQ(parseError({"msip:answerx"}).code, "unknown_command");
}

TEST(CommandParser, UnknownCommandSuggestsTheNearestAndExplainsDial) {
  Error error = parseError({"hangpu"});
  EXPECT_EQ(error.code, "unknown_command");
  EXPECT_EQ(error.message, "unknown command \"hangpu\"; did you mean \"hangup\"? To call a user "
                           "named \"hangpu\", use: wisp dial hangpu");
  EXPECT_TRUE(contains(parseError({"stauts"}).message, "did you mean \"status\""));
  EXPECT_TRUE(contains(parseError({"dail", "1234"}).message, "did you mean \"dial\""));
  EXPECT_TRUE(contains(parseError({"ANSWR"}).message, "did you mean \"answer\""));
}

TEST(CommandParser, UnknownCommandWithoutCloseMatch) {
  Error error = parseError({"alice"});
  EXPECT_EQ(error.code, "unknown_command");
  EXPECT_FALSE(contains(error.message, "did you mean")) << error.message;
  EXPECT_TRUE(contains(error.message, "wisp dial alice")) << error.message;
  EXPECT_FALSE(contains(parseError({"xylophone"}).message, "did you mean"));
}

TEST(CommandParser, UnknownHostLikeWordsPointToSip) {
  Error error = parseError({"127.0.0.1"});
  EXPECT_EQ(error.code, "unknown_command");
  EXPECT_TRUE(contains(error.message, "wisp sip:127.0.0.1")) << error.message;
  EXPECT_TRUE(contains(parseError({"[::1]:5060"}).message, "wisp sip:[::1]:5060"));
}

TEST(CommandParser, UnknownMicrosipForms) {
  Error slash = parseError({"/anwser"});
  EXPECT_EQ(slash.code, "unknown_command");
  EXPECT_TRUE(contains(slash.message, "did you mean \"/answer\"")) << slash.message;
  Error msip = parseError({"msip:micmut"});
  EXPECT_EQ(msip.code, "unknown_command");
  EXPECT_TRUE(contains(msip.message, "did you mean \"msip:micmute\"")) << msip.message;
}

TEST(CommandParser, UnknownWordsAreQuotedSafely) {
  Error error = parseError({"hang\r\nup"});
  EXPECT_EQ(error.code, "unknown_command");
  EXPECT_FALSE(contains(error.message, "\n")) << error.message;
  EXPECT_FALSE(contains(error.message, "wisp dial")) << "not a callable name: " << error.message;
  EXPECT_EQ(parseError({"--frobnicate"}).code, "unknown_command");
}

TEST(CommandParser, EmptyInput) {
  EXPECT_EQ(parseError({}).code, "missing_argument");
  EXPECT_EQ(parseError({""}).code, "missing_argument");
}

TEST(CommandParser, EveryCommandRefusesStrayArguments) {
  for (CommandKind kind : allCommandKinds()) {
    if (kind == K::Message) {
      continue; // its text is every word after the target
    }
    Argv argv = {std::string(commandName(kind)), "x", "y", "z"};
    Error error = parseError(argv);
    EXPECT_EQ(error.code, "too_many_arguments") << argv[0];
    EXPECT_TRUE(contains(error.message, commandName(kind))) << error.message;
    EXPECT_TRUE(contains(error.message, "usage: wisp ")) << error.message;
  }
}

// One representative command of every kind, with its fields set.
std::vector<Command> sampleCommands() {
  std::vector<Command> samples;
  for (CommandKind kind : allCommandKinds()) {
    Command command;
    command.kind = kind;
    switch (kind) {
    case K::Dial:
      command.target = "+15551234";
      command.postDialDtmf = {"", "56#"};
      command.account = "work";
      break;
    case K::Answer:
    case K::Hangup:
    case K::Hold:
    case K::Unhold:
      command.call = 7;
      break;
    case K::Dtmf:
      command.digits = "12*#AD";
      command.call = 2;
      break;
    case K::Status:
      command.json = true;
      break;
    case K::Help:
      command.helpTopic = K::Transfer;
      break;
    case K::Transfer:
      command.target = "sip:bob@example.com;transport=tcp";
      command.call = 3;
      break;
    case K::SelectAccount:
      command.account = "2";
      break;
    case K::SetPassword:
      command.secret = "hunter2 with spaces";
      break;
    case K::Volume:
      command.volume = 42;
      break;
    case K::Message:
      command.target = "1234";
      command.text = "hello  world";
      break;
    default:
      break;
    }
    samples.push_back(command);
  }
  return samples;
}

TEST(CommandPrinting, ArgvRoundTripsForEveryKind) {
  for (const Command &command : sampleCommands()) {
    Result<Command> parsed = parseCommand(toArgv(command));
    ASSERT_TRUE(parsed.ok()) << toString(command) << ": " << parsed.error().message;
    EXPECT_EQ(parsed.value(), command) << toString(command);
  }
  Command bare = dialCommand("alice");
  EXPECT_EQ(parseOk(toArgv(bare)), bare);
}

TEST(CommandPrinting, ToStringQuotesAndHidesSecrets) {
  Command dtmf = parseOk({"dtmf", "1#"});
  EXPECT_EQ(toString(dtmf), "dtmf \"1#\"");
  EXPECT_EQ(toString(parseOk({"hangup", "--all"})), "hangup --all");
  EXPECT_EQ(toString(parseOk({"/account:2", "1234"})), "dial --account 2 1234");
  Command password = parseOk({"/password:topsecret"});
  EXPECT_FALSE(contains(toString(password), "topsecret")) << toString(password);
  EXPECT_EQ(toArgv(password), (Argv{"password", "topsecret"}));
}

TEST(CommandPrinting, QuotedEscapesControlCharacters) {
  EXPECT_EQ(quoted("a\"b\\c\r\n\t\x01"), "\"a\\\"b\\\\c\\r\\n\\t\\x01\"");
}

TEST(CommandTable, NamesAreUniqueAndMapBack) {
  std::set<std::string_view> names;
  for (CommandKind kind : allCommandKinds()) {
    std::string_view name = commandName(kind);
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(commandKindFromName(name), kind) << name;
    EXPECT_EQ(usage(kind).rfind("wisp ", 0), 0u) << usage(kind);
    EXPECT_FALSE(commandSummary(kind).empty()) << name;
  }
  EXPECT_FALSE(commandKindFromName("frobnicate").has_value());
}

TEST(CommandTable, FeaturesNotBuiltYetAreMarked) {
  for (K kind : {K::Dial, K::Answer, K::Hangup, K::HangupAll, K::Dtmf, K::Status, K::Reload,
                 K::Exit, K::Help, K::HangupIncoming, K::HangupCalling, K::SelectAccount,
                 K::SetPassword}) {
    EXPECT_TRUE(commandAvailable(kind)) << commandName(kind);
  }
  for (K kind : {K::Hold, K::Unhold, K::HoldToggle, K::Transfer, K::MicMute, K::Volume,
                 K::Minimize, K::Show, K::Message}) {
    EXPECT_FALSE(commandAvailable(kind)) << commandName(kind);
  }
}

TEST(HelpText, ListsEveryCommandAndTheMicrosipForms) {
  std::string text = helpText();
  for (CommandKind kind : allCommandKinds()) {
    if (kind != K::HangupAll) {
      EXPECT_TRUE(contains(text, usage(kind))) << usage(kind);
    }
  }
  for (const char *form : {"/answer", "/hangupall", "/account:N [NUMBER]", "msip:answer",
                           "msip:transfer_NUMBER", "Not available yet"}) {
    EXPECT_TRUE(contains(text, form)) << form;
  }
}

TEST(HelpText, OneCommandShowsItsSynonyms) {
  std::string answer = helpText(K::Answer);
  EXPECT_TRUE(contains(answer, usage(K::Answer)));
  EXPECT_TRUE(contains(answer, "/answer"));
  EXPECT_TRUE(contains(answer, "msip:answer"));
  EXPECT_FALSE(contains(answer, "Not available yet"));
  std::string all = helpText(K::HangupAll);
  EXPECT_TRUE(contains(all, "hangup-all"));
  EXPECT_TRUE(contains(all, "/hangupall"));
  EXPECT_TRUE(contains(helpText(K::Hold), "Not available yet"));
}

// A reply's text ends without a newline, help's too: the command line and the console add
// one when they print it, the APIs pass it on as it is.
TEST(HelpText, EndsWithoutANewline) {
  EXPECT_NE(helpText().back(), '\n');
  for (CommandKind kind : allCommandKinds()) {
    EXPECT_NE(helpText(kind).back(), '\n') << commandName(kind);
  }
}

// Random words drawn from the language itself and from noise: nothing may crash, failures
// use the documented codes, and whatever parses survives a round trip through toArgv().
TEST(CommandParser, RandomInputIsHandled) {
  const std::vector<std::string> vocabulary = {"dial",
                                               "answer",
                                               "hangup",
                                               "--all",
                                               "dtmf",
                                               "status",
                                               "--json",
                                               "help",
                                               "transfer",
                                               "volume",
                                               "account",
                                               "password",
                                               "/account:2",
                                               "/dtmf:1",
                                               "msip:transfer_5",
                                               "--account",
                                               "--account=",
                                               "1234",
                                               "#2",
                                               "0",
                                               "-1",
                                               "12ab",
                                               "sip:bob@example.com",
                                               "tel:+1-555",
                                               "bob@127.0.0.1:5062",
                                               "1234,,5#",
                                               "hangpu",
                                               "",
                                               "\r\n",
                                               "%0A",
                                               "/answer",
                                               "msip:hold"};
  const std::string alphabet = "abdlzAZ09+*#@:;,./-_%()[]<>\" \r\n\x01\xff";
  const std::set<std::string> codes = {"unknown_command", "bad_argument", "missing_argument",
                                       "too_many_arguments"};
  std::mt19937 random(4242);
  std::uniform_int_distribution<std::size_t> pickWord(0, vocabulary.size() - 1);
  std::uniform_int_distribution<std::size_t> pickChar(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> pickCount(0, 4);
  std::uniform_int_distribution<int> coin(0, 2);
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    Argv argv;
    for (int n = pickCount(random); n > 0; --n) {
      std::string word = vocabulary[pickWord(random)];
      if (coin(random) == 0) {
        for (int m = pickCount(random) * 3; m > 0; --m) {
          word += alphabet[pickChar(random)];
        }
      }
      argv.push_back(word);
    }
    Result<Command> command = parseCommand(argv);
    if (!command.ok()) {
      EXPECT_TRUE(codes.count(command.error().code)) << command.error().code;
      EXPECT_FALSE(command.error().message.empty());
      continue;
    }
    ++parsed;
    Result<Command> again = parseCommand(toArgv(command.value()));
    ASSERT_TRUE(again.ok()) << ::testing::PrintToString(argv) << " -> " << toString(command.value())
                            << ": " << again.error().message;
    EXPECT_EQ(again.value(), command.value()) << ::testing::PrintToString(argv);
  }
  EXPECT_GT(parsed, 200); // the generator must also reach the success paths
}

} // namespace
} // namespace wisp
