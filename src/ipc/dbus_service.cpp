#include "ipc/dbus_service.h"

#include "control/api_call.h"
#include "util/callback_guard.h"
#include "util/log.h"

#include "ipc/sd_bus_library.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <unistd.h>
#include <vector>

namespace wisp {

std::string dbusErrorName(std::string_view code) {
  std::string name = "org.wisp.Error.";
  bool upper = true;
  for (char c : code) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true; // "_" and anything a D-Bus name may not hold start a new word
      continue;
    }
    if (name.size() == 15 && c >= '0' && c <= '9')
      name += 'E'; // an element of a D-Bus name must not start with a digit
    name += upper && c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c;
    upper = false;
  }
  if (name.size() == 15)
    name += "Failed";
  return name;
}

// The sd-bus method handlers. sd-bus calls them from sd_bus_process, inside our fd or timer
// callback, so they run in the loop thread like everything else.
struct DBusMethods {
  static DBusService &service(void *userdata) { return *static_cast<DBusService *>(userdata); }
  static const SdBusLibrary &lib(void *userdata) { return *service(userdata).lib_; }

  static int reply(void *userdata, sd_bus_message *m, const Result<Reply> &result,
                   sd_bus_error *error) {
    if (!result)
      return lib(userdata).errorSet(error, dbusErrorName(result.error().code).c_str(),
                                    result.error().message.c_str());
    return lib(userdata).replyMethodReturn(m, "s", resultJson(*result).dump().c_str());
  }

  // An exception becomes an org.wisp.Error.Internal reply instead of crossing sd-bus.
  template <class F>
  static int guarded(void *userdata, const char *where, sd_bus_error *error, F &&body) {
    bool done = false;
    int r = guardCallback(where, [&] {
      int v = body();
      done = true;
      return v;
    });
    return done ? r : lib(userdata).errorSet(error, "org.wisp.Error.Internal", "internal error");
  }

  static int run(sd_bus_message *m, void *userdata, sd_bus_error *error,
                 std::vector<std::string> argv) {
    return guarded(userdata, "dbus method", error, [&] {
      return reply(userdata, m, executeArgv(service(userdata).phone_, argv), error);
    });
  }

  // Call ids are positive; 0 means "the one the command would pick without an id".
  static void addCall(std::vector<std::string> &argv, uint32_t call) {
    if (call != 0)
      argv.push_back(std::to_string(call));
  }

  static int dial(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    const char *target = nullptr;
    if (int r = lib(userdata).messageRead(m, "s", &target); r < 0)
      return r;
    return run(m, userdata, error, {"dial", target});
  }

  static int answer(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    uint32_t call = 0;
    if (int r = lib(userdata).messageRead(m, "u", &call); r < 0)
      return r;
    std::vector<std::string> argv{"answer"};
    addCall(argv, call);
    return run(m, userdata, error, argv);
  }

  static int hangup(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    uint32_t call = 0;
    if (int r = lib(userdata).messageRead(m, "u", &call); r < 0)
      return r;
    std::vector<std::string> argv{"hangup"};
    addCall(argv, call);
    return run(m, userdata, error, argv);
  }

  static int hangupAll(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    return run(m, userdata, error, {"hangup", "--all"});
  }

  static int sendDtmf(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    const char *digits = nullptr;
    uint32_t call = 0;
    if (int r = lib(userdata).messageRead(m, "su", &digits, &call); r < 0)
      return r;
    std::vector<std::string> argv{"dtmf", digits};
    addCall(argv, call);
    return run(m, userdata, error, argv);
  }

  static int state(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    return guarded(userdata, "dbus State", error, [&] {
      return lib(userdata).replyMethodReturn(m, "s",
                                             service(userdata).phone_.snapshot().dump().c_str());
    });
  }

  static int command(sd_bus_message *m, void *userdata, sd_bus_error *error) {
    const char *line = nullptr;
    if (int r = lib(userdata).messageRead(m, "s", &line); r < 0)
      return r;
    return guarded(userdata, "dbus Command", error, [&] {
      return reply(userdata, m, executeLine(service(userdata).phone_, line), error);
    });
  }
};

namespace {

// Element 0 is filled in by vtable(): SD_BUS_VTABLE_START would link libsystemd.
sd_bus_vtable kVtable[] = {
    {},
    SD_BUS_METHOD_WITH_NAMES("Dial", "s", SD_BUS_PARAM(target), "s", SD_BUS_PARAM(result),
                             DBusMethods::dial, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Answer", "u", SD_BUS_PARAM(call), "s", SD_BUS_PARAM(result),
                             DBusMethods::answer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Hangup", "u", SD_BUS_PARAM(call), "s", SD_BUS_PARAM(result),
                             DBusMethods::hangup, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("HangupAll", "", "", "s", SD_BUS_PARAM(result), DBusMethods::hangupAll,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("SendDtmf", "su", SD_BUS_PARAM(digits) SD_BUS_PARAM(call), "s",
                             SD_BUS_PARAM(result), DBusMethods::sendDtmf,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("State", "", "", "s", SD_BUS_PARAM(state), DBusMethods::state,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Command", "s", SD_BUS_PARAM(command), "s", SD_BUS_PARAM(result),
                             DBusMethods::command, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("Event", "ss", SD_BUS_PARAM(type) SD_BUS_PARAM(event), 0),
    SD_BUS_VTABLE_END};

const sd_bus_vtable *vtable(const SdBusLibrary &lib) {
  sd_bus_vtable &start = kVtable[0];
  start.type = _SD_BUS_VTABLE_START;
  start.flags = 0;
  start.x.start.element_size = sizeof(sd_bus_vtable);
  start.x.start.features = _SD_BUS_VTABLE_PARAM_NAMES;
  start.x.start.vtable_format_reference = lib.objectVtableFormat;
  return kVtable;
}

std::string errnoText(int negErrno) {
  return strerror(-negErrno);
}

uint64_t monotonicMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
}

} // namespace

void DBusService::BusUnref::operator()(sd_bus *bus) const noexcept {
  if (bus)
    lib->closeUnref(bus); // never flush: a bus that stopped reading would hang the loop
}
void DBusService::SlotUnref::operator()(sd_bus_slot *slot) const noexcept {
  if (slot)
    lib->slotUnref(slot);
}

DBusService::DBusService(PhoneControl &phone) : phone_(phone) {}

DBusService::~DBusService() {
  stop();
}

// "unix:path=/run/user/1000/bus" naming a socket that is not there: no bus, and no reason to
// load libsystemd (1 MB) just to find that out.
static bool namesMissingSocket(const char *address) {
  constexpr std::string_view prefix = "unix:path=";
  if (!address || std::string_view(address).substr(0, prefix.size()) != prefix)
    return false;
  std::string_view path = std::string_view(address).substr(prefix.size());
  path = path.substr(0, path.find_first_of(",;"));
  if (path.empty() || path.find('%') != std::string_view::npos)
    return false; // escaped: let sd-bus decode it
  return access(std::string(path).c_str(), F_OK) != 0;
}

Status DBusService::start() {
  stop();
  if (namesMissingSocket(getenv("DBUS_SESSION_BUS_ADDRESS")))
    return makeError("no_bus", "no D-Bus session bus (" +
                                   std::string(getenv("DBUS_SESSION_BUS_ADDRESS")) +
                                   " does not exist)");
  auto loaded = sdBusLibrary();
  if (!loaded)
    return makeError("no_bus", loaded.error().message);
  lib_ = *loaded;
  sd_bus *raw = nullptr;
  if (int r = lib_->openUser(&raw); r < 0)
    return makeError("no_bus", "no D-Bus session bus (" + errnoText(r) + ")");
  bus_ = std::unique_ptr<sd_bus, BusUnref>(raw, BusUnref{lib_});
  const std::string name(kDBusName), path(kDBusPath), interface(kDBusInterface);
  sd_bus_slot *slot = nullptr;
  if (int r = lib_->addObjectVtable(bus_.get(), &slot, path.c_str(), interface.c_str(),
                                    vtable(*lib_), this);
      r < 0) {
    bus_.reset();
    return makeError("dbus", "cannot publish " + path + " on D-Bus: " + errnoText(r));
  }
  slot_ = std::unique_ptr<sd_bus_slot, SlotUnref>(slot, SlotUnref{lib_});
  // Without queueing: a second phone on the same bus fails here instead of waiting in line.
  if (int r = lib_->requestName(bus_.get(), name.c_str(), 0); r < 0) {
    stop();
    if (r == -EEXIST)
      return makeError("name_taken",
                       "the D-Bus name " + name + " belongs to another program (another phone?)");
    return makeError("dbus", "cannot take the D-Bus name " + name + ": " + errnoText(r));
  }
  fd_ = lib_->getFd(bus_.get());
  if (fd_ < 0) {
    const int r = fd_;
    stop();
    return makeError("dbus", "D-Bus connection has no fd: " + errnoText(r));
  }
  rearm();
  return Ok{};
}

void DBusService::stop() {
  tmr_cancel(&timer_);
  if (fd_ >= 0)
    fd_close(fd_); // sd-bus owns and closes the fd itself
  fd_ = -1;
  slot_.reset();
  bus_.reset();
}

void DBusService::publish(const Json &event) {
  if (!bus_)
    return;
  const Json *type = event.find("event");
  const std::string path(kDBusPath), interface(kDBusInterface);
  int r = lib_->emitSignal(bus_.get(), path.c_str(), interface.c_str(), "Event", "ss",
                           type && type->isString() ? type->asString().c_str() : "",
                           event.dump().c_str());
  if (r < 0) {
    lost(r);
    return;
  }
  rearm(); // the signal may wait in sd-bus's queue for the socket to take it
}

void DBusService::onFd(int, void *arg) {
  guardCallback("dbus", [&] { static_cast<DBusService *>(arg)->process(); });
}

void DBusService::onTimer(void *arg) {
  guardCallback("dbus timer", [&] { static_cast<DBusService *>(arg)->process(); });
}

void DBusService::process() {
  // Everything that is ready, in bounded rounds so SIP and timers get their turn; sd-bus
  // then reports a zero timeout and we come back at once.
  processing_ = true;
  int r = 0;
  for (int rounds = 0; rounds < 64 && !lostError_; ++rounds) {
    r = lib_->process(bus_.get(), nullptr);
    if (r <= 0)
      break;
  }
  processing_ = false;
  if (lostError_ || r < 0) {
    lost(lostError_ ? lostError_ : r);
    return;
  }
  rearm();
}

void DBusService::rearm() {
  if (!bus_)
    return;
  const int events = lib_->getEvents(bus_.get());
  if (events < 0) {
    lost(events);
    return;
  }
  int flags = 0;
  if (events & POLLIN)
    flags |= FD_READ;
  if (events & POLLOUT)
    flags |= FD_WRITE;
  fd_listen(fd_, flags ? flags : FD_READ, &DBusService::onFd, this);

  uint64_t deadline = UINT64_MAX;
  if (lib_->getTimeout(bus_.get(), &deadline) < 0 || deadline == UINT64_MAX) {
    tmr_cancel(&timer_);
    return;
  }
  const uint64_t now = monotonicMicros();
  const uint64_t delayMs = deadline <= now ? 0 : (deadline - now + 999) / 1000;
  tmr_start(&timer_, delayMs, &DBusService::onTimer, this);
}

void DBusService::lost(int err) {
  if (processing_) {
    lostError_ = err; // sd_bus_process is on the stack: close the bus once it returns
    return;
  }
  lostError_ = 0;
  log::warn("dbus", "D-Bus connection lost (%s); the phone goes on without D-Bus",
            errnoText(err).c_str());
  stop();
}

} // namespace wisp
