// The phone on the D-Bus session bus: the well-known name org.wisp.Phone, object
// /org/wisp/Phone, interface org.wisp.Phone1 (docs/api.md). Its methods run the command
// language and its Event signal carries every event of the EventBus. sd-bus runs inside
// libre's loop (its fd and its timeout), so everything stays in the loop thread.
#pragma once

#include "control/phone_control.h"
#include "util/json.h"
#include "util/result.h"

#include <re.h>

#include <memory>
#include <string>
#include <string_view>

struct sd_bus;
struct sd_bus_slot;

namespace wisp {

struct SdBusLibrary;

inline constexpr std::string_view kDBusName = "org.wisp.Phone";
inline constexpr std::string_view kDBusPath = "/org/wisp/Phone";
inline constexpr std::string_view kDBusInterface = "org.wisp.Phone1";

// Our stable error code as a D-Bus error name: "not_available" -> "org.wisp.Error.NotAvailable".
std::string dbusErrorName(std::string_view code);

class DBusService {
public:
  explicit DBusService(PhoneControl &phone);
  ~DBusService();
  DBusService(const DBusService &) = delete;
  DBusService &operator=(const DBusService &) = delete;

  // Connects to the session bus (DBUS_SESSION_BUS_ADDRESS) and takes the name. Error codes:
  // "no_bus" (cannot connect), "name_taken" (another phone has it), "dbus" (anything else).
  Status start();
  void stop();
  bool running() const { return bus_ != nullptr; }

  // Emits Event(s type, s json) with the event's type and the whole event as JSON.
  void publish(const Json &event);

private:
  // The unref functions come from the loaded library. No member initialiser: inside the
  // class it would keep unique_ptr from default-constructing the deleter.
  struct BusUnref {
    const SdBusLibrary *lib;
    void operator()(sd_bus *bus) const noexcept;
  };
  struct SlotUnref {
    const SdBusLibrary *lib;
    void operator()(sd_bus_slot *slot) const noexcept;
  };

  static void onFd(int flags, void *arg);
  static void onTimer(void *arg);
  void process();
  // sd-bus says which fd events and which deadline it waits for; libre watches them.
  void rearm();
  void lost(int err);

  PhoneControl &phone_;
  const SdBusLibrary *lib_ = nullptr; // loaded by start()
  std::unique_ptr<sd_bus, BusUnref> bus_;
  std::unique_ptr<sd_bus_slot, SlotUnref> slot_;
  int fd_ = -1;
  tmr timer_{};
  bool processing_ = false; // inside sd_bus_process
  int lostError_ = 0;       // the connection failed while processing

  friend struct DBusMethods;
};

} // namespace wisp
