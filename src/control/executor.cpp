#include "control/executor.h"

#include "control/api_call.h"
#include "control/command_parser.h"

#include <cstdio>

namespace wisp {
namespace {

// Refused, never accepted and ignored: the message names the missing feature.
Result<Reply> notAvailable(const Command &command) {
  using K = CommandKind;
  std::string feature;
  switch (command.kind) {
  case K::Minimize:
  case K::Show:
    return makeError("not_available",
                     "\"" + std::string(commandName(command.kind)) +
                         "\" is not available: this version of Wisp has no window to hide or show");
  case K::Hold:
  case K::Unhold:
  case K::HoldToggle:
    feature = "call hold";
    break;
  case K::Transfer:
    feature = "call transfer";
    break;
  case K::Message:
    feature = "text messages (SIP MESSAGE)";
    break;
  case K::Volume:
  case K::MicUp:
  case K::MicDown:
  case K::SpeakerUp:
  case K::SpeakerDown:
    feature = "volume control";
    break;
  default:
    feature = "muting";
    break;
  }
  return makeError("not_available", "\"" + std::string(commandName(command.kind)) + "\": " +
                                        feature + " is not available yet in this version of Wisp");
}

// The snapshot comes from our own phone, but formatting must not trust its shape: a missing
// member reads as "" or 0.
std::string str(const Json *j) {
  return j && j->isString() ? j->asString() : std::string();
}
long long integer(const Json *j) {
  return j ? j->asInt().value_or(0) : 0;
}
double number(const Json *j) {
  return j ? j->asNumber() : 0.0;
}

} // namespace

Result<Reply> execute(PhoneControl &phone, const Command &command) {
  if (!commandAvailable(command.kind))
    return notAvailable(command);
  switch (command.kind) {
  case CommandKind::Dial:
    return phone.dial(command.target, command.account, command.postDialDtmf);
  case CommandKind::Answer:
    return phone.answer(command.call);
  case CommandKind::Hangup:
    return phone.hangup(command.call);
  case CommandKind::HangupAll:
    return phone.hangupAll();
  case CommandKind::HangupIncoming:
    return phone.hangupIncoming();
  case CommandKind::HangupCalling:
    return phone.hangupCalling();
  case CommandKind::SelectAccount:
    return phone.selectAccount(command.account.value_or(""));
  case CommandKind::SetPassword:
    return phone.setPassword(command.secret);
  case CommandKind::Dtmf:
    return phone.sendDtmf(command.digits, command.call);
  case CommandKind::Status: {
    Json snap = phone.snapshot();
    return Reply{command.json ? snap.dump() : formatStatus(snap), snap};
  }
  case CommandKind::Reload:
    return phone.reload();
  case CommandKind::Register:
    return phone.registerAccount(command.account);
  case CommandKind::Unregister:
    return phone.unregisterAccount(command.account);
  case CommandKind::Exit:
    return phone.exit();
  case CommandKind::Help:
    return Reply{command.helpTopic ? helpText(*command.helpTopic) : helpText(), Json()};
  default:
    return notAvailable(command);
  }
}

std::string formatStatus(const Json &snap) {
  std::string out;
  char line[512];
  snprintf(line, sizeof line, "Wisp %s, pid %lld\n", str(snap.find("version")).c_str(),
           integer(snap.find("pid")));
  out += line;
  if (const Json *listen = snap.find("listen"); listen && listen->isArray())
    for (const Json &l : listen->asArray())
      out += "  listening: " + str(l.find("transport")) + " " + str(l.find("address")) + "\n";
  if (const Json *accounts = snap.find("accounts"); accounts && accounts->isArray())
    for (const Json &a : accounts->asArray())
      out += "  account " + std::to_string(integer(a.find("id"))) + " " + str(a.find("label")) +
             ": " + str(a.find("uri")) + " (" + str(a.find("registration")) +
             (a.find("reason") ? ": " + str(a.find("reason")) : std::string()) + ")\n";
  const Json *calls = snap.find("calls");
  if (!calls || !calls->isArray() || calls->asArray().empty()) {
    out += "  no calls";
    return out;
  }
  for (const Json &c : calls->asArray()) {
    snprintf(line, sizeof line, "  call %lld: %s %s %s, %s, %s, %.0f s", integer(c.find("id")),
             str(c.find("direction")).c_str(),
             str(c.find("direction")) == "incoming" ? "from" : "to", str(c.find("remote")).c_str(),
             str(c.find("state")).c_str(),
             str(c.find("codec")).empty() ? "no codec yet" : str(c.find("codec")).c_str(),
             number(c.find("duration")));
    out += line;
    if (&c != &calls->asArray().back())
      out += "\n";
  }
  return out;
}

Json handleRequest(PhoneControl &phone, const Json &request) {
  const Json *id = request.find("id");
  Json reply = Json::object();
  reply.set("id", id ? *id : Json());
  auto fail = [&](const Error &e) {
    reply.set("ok", false);
    reply.set("error", Json::object().set("code", e.code).set("message", e.message));
    return reply;
  };
  const Json *argv = request.find("argv");
  if (!argv || !argv->isArray())
    return fail(makeError("bad_request", "a request needs \"argv\": an array of strings"));
  std::vector<std::string> args;
  for (const Json &a : argv->asArray()) {
    if (!a.isString())
      return fail(makeError("bad_request", "every element of \"argv\" must be a string"));
    args.push_back(a.asString());
  }
  // The same call and result object as D-Bus and HTTP: one answer, whichever the channel.
  auto result = executeArgv(phone, args);
  if (!result)
    return fail(result.error());
  reply.set("ok", true);
  reply.set("result", resultJson(*result));
  return reply;
}

Json makeRequest(const std::vector<std::string> &argv, int id) {
  Json args = Json::array();
  for (const auto &a : argv)
    args.push(a);
  return Json::object().set("id", id).set("argv", std::move(args));
}

} // namespace wisp
