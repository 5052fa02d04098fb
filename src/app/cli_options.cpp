#include "app/cli_options.h"

namespace wisp {

Result<CliOptions> parseCliOptions(const std::vector<std::string> &args) {
  CliOptions o;
  size_t i = 0;
  auto value = [&](const std::string &opt) -> Result<std::string> {
    if (i + 1 >= args.size())
      return makeError("missing_argument", opt + " needs a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--profile") {
      auto v = value(a);
      if (!v)
        return v.error();
      if (v->empty())
        return makeError("bad_argument", "--profile needs a folder");
      o.profileDir = *v;
    } else if (a == "--audio-in" || a == "--audio-out") {
      auto v = value(a);
      if (!v)
        return v.error();
      const bool in = a == "--audio-in";
      auto spec = parseAudioDeviceSpec(*v, in ? AudioDirection::Input : AudioDirection::Output);
      if (!spec)
        return makeError("bad_argument", a + ": " + spec.error().message);
      (in ? o.audioIn : o.audioOut) = *spec;
    } else if (a == "--headless") {
      o.headless = true;
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--register-handlers") {
      o.registerHandlers = true;
    } else if (a == "--version" || a == "-V") {
      o.version = true;
    } else if (a.size() > 2 && a.starts_with("--")) {
      return makeError("bad_argument", "unknown option " + a + "\n" + cliUsage());
    } else {
      break;
    }
  }
  o.command.assign(args.begin() + std::ptrdiff_t(i), args.end());
  return o;
}

std::string cliUsage() {
  return "usage: wisp [--profile DIR] [--audio-in SPEC] [--audio-out SPEC] [--headless] "
         "[COMMAND ARGS...]\n"
         "  with no command: run the phone (an interactive console in a terminal)\n"
         "  with a command: send it to the running phone, e.g. wisp dial sip:bob@192.0.2.7,\n"
         "    wisp 1234, wisp /answer, wisp hangup --all, wisp status, wisp exit\n"
         "  SPEC: default, null, file:PATH.wav, pulse:NAME, alsa:NAME\n"
         "  wisp help lists every command.\n"
         "  wisp [--profile DIR] --register-handlers: open sip:, sips:, tel:, callto:, dial:\n"
         "    and dialpad: links with Wisp (through xdg-mime).";
}

} // namespace wisp
