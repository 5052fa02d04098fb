// Names the API channels derive: D-Bus error names from our stable error codes.
#include "ipc/dbus_service.h"

#include <gtest/gtest.h>

namespace wisp {
namespace {

TEST(DBusErrorName, CamelCasesTheCode) {
  EXPECT_EQ(dbusErrorName("not_available"), "org.wisp.Error.NotAvailable");
  EXPECT_EQ(dbusErrorName("unknown_command"), "org.wisp.Error.UnknownCommand");
  EXPECT_EQ(dbusErrorName("config"), "org.wisp.Error.Config");
}

TEST(DBusErrorName, AlwaysAValidErrorName) {
  // Empty, leading digits and characters a D-Bus name cannot hold.
  EXPECT_EQ(dbusErrorName(""), "org.wisp.Error.Failed");
  EXPECT_EQ(dbusErrorName("__"), "org.wisp.Error.Failed");
  EXPECT_EQ(dbusErrorName("404_x"), "org.wisp.Error.E404X");
  EXPECT_EQ(dbusErrorName("a.b-c"), "org.wisp.Error.ABC");
}

} // namespace
} // namespace wisp
