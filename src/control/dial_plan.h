// MicroSIP's per-account dial plan ("dialPlan" in [AccountN]) and dialing prefix
// ("dialingPrefix"): how a dialled number is rewritten before it becomes a SIP URI.
// Pure functions, unit tested; docs/config.md describes the syntax for users.
//
// A dial plan is a list of rules separated by '|', optionally wrapped in "( )". The first
// rule that matches the whole number wins; a number that matches no rule is not dialled.
// In a rule:
//   x or X        any one character
//   .             any number (0 or more) of the element before it: "x." is anything
//   [0-9] [135]   one character of a set (ranges allowed); [^0] one character not in it
//   <MATCH:REPL>  MATCH (itself a pattern) is replaced by REPL: "<00:+>x." turns 0049... into
//                 +49...; "<:+>x." puts '+' in front of anything
//   <TEXT>        TEXT as plain pattern (no replacement)
//   anything else matches itself (digits, letters, '+', '*', '#', ...)
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace wisp {

class DialPlan {
public:
  // Error code "config" with a sentence naming the problem (unclosed '<' or '[', a '.' with
  // nothing before it, an empty rule set).
  static Result<DialPlan> parse(std::string_view text);

  // The rewritten number, or error "dial_plan" if no rule matches.
  Result<std::string> apply(std::string_view number) const;

  // One pattern element: a single-character test (maybe repeated with '.'), or a group.
  struct Element {
    enum class Kind { Any, Literal, Set, Group } kind = Kind::Literal;
    char literal = 0;
    std::string set; // Set: the characters, ranges expanded
    bool negated = false;
    bool repeated = false;      // followed by '.'
    std::vector<Element> group; // Group: its pattern ...
    std::string replacement;    // ... and what replaces the text it matched
  };
  struct Rule {
    std::vector<Element> elements;
    std::string text; // as written, for messages
  };

private:
  std::vector<Rule> rules_;
};

// What MicroSIP does to a dialled number of a non-local account: a phone number longer than
// three characters gets dialingPrefix in front (losing a leading '+'); then, if dialPlan is
// set, the dial plan rewrites the result (numbers and plain user names alike).
// Errors: "config" (a malformed dial plan), "dial_plan" (no rule matches).
Result<std::string> applyDialingRules(std::string_view number, std::string_view dialingPrefix,
                                      std::string_view dialPlan);

} // namespace wisp
