// The interactive console of a phone run in a terminal: each line typed is a command in
// the same language as `wisp ARGS`; events appear as the log prints them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wisp {

class PhoneControl;

class Console {
public:
  explicit Console(PhoneControl &phone) : phone_(phone) {}
  ~Console();
  void start();
  void stop();

private:
  void onReadable();
  void runLine(std::string_view line);
  void prompt();

  PhoneControl &phone_;
  std::string buffer_;
  bool active_ = false;
  bool tty_ = false;
};

} // namespace wisp
