#include "control/dial_plan.h"

#include "control/command.h"

#include <memory>
#include <optional>

namespace wisp {

namespace {

using Element = DialPlan::Element;
using Kind = Element::Kind;

Error badPlan(std::string_view rule, const std::string &why) {
  return makeError("config", "dialPlan rule " + quoted(rule) + ": " + why);
}

// "[0-9a]" starting at text[i] == '['; moves i past ']'.
Result<Element> parseSet(std::string_view rule, std::string_view text, std::size_t &i) {
  Element e;
  e.kind = Kind::Set;
  std::size_t j = i + 1;
  if (j < text.size() && text[j] == '^') {
    e.negated = true;
    ++j;
  }
  for (; j < text.size() && text[j] != ']'; ++j) {
    if (j + 2 < text.size() && text[j + 1] == '-' && text[j + 2] != ']') {
      if (text[j] > text[j + 2])
        return badPlan(rule, "the range " + std::string(text.substr(j, 3)) + " is backwards");
      for (char c = text[j];; ++c) {
        e.set += c;
        if (c == text[j + 2])
          break;
      }
      j += 2;
    } else {
      e.set += text[j];
    }
  }
  if (j >= text.size())
    return badPlan(rule, "'[' is not closed by ']'");
  if (e.set.empty())
    return badPlan(rule, "the set [] is empty");
  i = j;
  return e;
}

Result<std::vector<Element>> parsePattern(std::string_view rule, std::string_view text,
                                          bool inGroup) {
  std::vector<Element> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (out.empty() || out.back().repeated || out.back().kind == Kind::Group)
        return badPlan(rule, "'.' must follow a character, x or a [set]");
      out.back().repeated = true;
      continue;
    }
    if (c == '<') {
      if (inGroup)
        return badPlan(rule, "'<' cannot appear inside <...>");
      std::size_t close = text.find('>', i);
      if (close == std::string_view::npos)
        return badPlan(rule, "'<' is not closed by '>'");
      std::string_view inner = text.substr(i + 1, close - i - 1);
      std::size_t colon = inner.find(':');
      auto pattern = parsePattern(rule, inner.substr(0, colon), true);
      if (!pattern)
        return pattern.error();
      if (colon == std::string_view::npos) {
        for (auto &e : *pattern)
          out.push_back(std::move(e)); // <TEXT>: plain pattern
      } else {
        Element g;
        g.kind = Kind::Group;
        g.group = std::move(pattern).value();
        g.replacement = std::string(inner.substr(colon + 1));
        out.push_back(std::move(g));
      }
      i = close;
      continue;
    }
    if (c == '>')
      return badPlan(rule, "'>' without '<'");
    if (c == '[') {
      auto set = parseSet(rule, text, i);
      if (!set)
        return set.error();
      out.push_back(std::move(set).value());
      continue;
    }
    Element e;
    if (c == 'x' || c == 'X') {
      e.kind = Kind::Any;
    } else {
      e.literal = c;
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool matchesOne(const Element &e, char c) {
  switch (e.kind) {
  case Kind::Any:
    return true;
  case Kind::Literal:
    return e.literal == c;
  case Kind::Set:
    return (e.set.find(c) != std::string::npos) != e.negated;
  case Kind::Group:
    break;
  }
  return false;
}

// Backtracking match of elements[k..] against number[pos..] to the end; on success `out`
// holds the rewritten text. Numbers are short and rules small, so plain recursion is fine;
// `budget` bounds the work for pathological rules all the same.
bool matchFrom(const std::vector<const Element *> &flat, std::size_t k, std::string_view number,
               std::size_t pos, std::string &out, long &budget) {
  if (--budget < 0)
    return false;
  if (k == flat.size())
    return pos == number.size();
  const Element &e = *flat[k];
  if (e.kind == Kind::Group) {
    // A group marker: the group's own elements follow in `flat`, then its end marker.
    return false; // never reached: groups are expanded by applyRule
  }
  if (!e.repeated) {
    if (pos < number.size() && matchesOne(e, number[pos])) {
      out += number[pos];
      if (matchFrom(flat, k + 1, number, pos + 1, out, budget))
        return true;
      out.pop_back();
    }
    return false;
  }
  // Greedy: as many as possible, then fewer.
  std::size_t n = 0;
  while (pos + n < number.size() && matchesOne(e, number[pos + n]))
    ++n;
  for (std::size_t take = n + 1; take-- > 0;) {
    const std::size_t mark = out.size();
    out.append(number.substr(pos, take));
    if (matchFrom(flat, k + 1, number, pos + take, out, budget))
      return true;
    out.resize(mark);
  }
  return false;
}

struct Piece {
  std::vector<const Element *> elements;
  std::optional<std::string> replacement; // set for a group
};

// Matches a rule piece by piece (plain runs and groups) so each group's text can be replaced.
bool matchPieces(const std::vector<Piece> &pieces, std::size_t p, std::string_view number,
                 std::size_t pos, std::string &out, long &budget) {
  if (p == pieces.size())
    return pos == number.size();
  const Piece &piece = pieces[p];
  // Try every end position for this piece; the rest must match what follows.
  for (std::size_t end = number.size() + 1; end-- > pos;) {
    std::string text;
    if (!matchFrom(piece.elements, 0, number.substr(0, end), pos, text, budget))
      continue;
    const std::size_t mark = out.size();
    out += piece.replacement ? *piece.replacement : text;
    if (matchPieces(pieces, p + 1, number, end, out, budget))
      return true;
    out.resize(mark);
    if (budget < 0)
      return false;
  }
  return false;
}

} // namespace

Result<DialPlan> DialPlan::parse(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '('))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == ')'))
    text.remove_suffix(1);
  DialPlan plan;
  while (!text.empty()) {
    std::size_t bar = text.find('|');
    std::string_view rule = text.substr(0, bar);
    while (!rule.empty() && rule.front() == ' ')
      rule.remove_prefix(1);
    while (!rule.empty() && rule.back() == ' ')
      rule.remove_suffix(1);
    if (!rule.empty()) {
      auto elements = parsePattern(rule, rule, false);
      if (!elements)
        return elements.error();
      plan.rules_.push_back(Rule{std::move(elements).value(), std::string(rule)});
    }
    text = bar == std::string_view::npos ? std::string_view() : text.substr(bar + 1);
  }
  if (plan.rules_.empty())
    return makeError("config", "the dialPlan has no rules");
  return plan;
}

Result<std::string> DialPlan::apply(std::string_view number) const {
  for (const Rule &rule : rules_) {
    std::vector<Piece> pieces;
    for (const Element &e : rule.elements) {
      if (e.kind == Kind::Group) {
        Piece group;
        for (const Element &inner : e.group)
          group.elements.push_back(&inner);
        group.replacement = e.replacement;
        pieces.push_back(std::move(group));
      } else {
        if (pieces.empty() || pieces.back().replacement)
          pieces.emplace_back();
        pieces.back().elements.push_back(&e);
      }
    }
    std::string out;
    long budget = 1'000'000;
    if (matchPieces(pieces, 0, number, 0, out, budget))
      return out;
  }
  return makeError("dial_plan", quoted(number) + " matches no rule of the account's dialPlan, "
                                                 "so it is not dialled");
}

Result<std::string> applyDialingRules(std::string_view number, std::string_view dialingPrefix,
                                      std::string_view dialPlan) {
  std::string result(number);
  const bool isNumber =
      !number.empty() && number.find_first_not_of("+0123456789*#") == std::string_view::npos;
  if (isNumber && !dialingPrefix.empty() && number.size() > 3) {
    if (result.front() == '+')
      result.erase(0, 1);
    result = std::string(dialingPrefix) + result;
  }
  bool planSet = dialPlan.find_first_not_of(" ()") != std::string_view::npos;
  if (!planSet)
    return result;
  auto plan = DialPlan::parse(dialPlan);
  if (!plan)
    return plan.error();
  return plan->apply(result);
}

} // namespace wisp
