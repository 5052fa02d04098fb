// RAII ownership of libre objects: every libre allocation is reference counted and
// released with mem_deref, never free/delete.
#pragma once

#include <memory>
#include <re.h>

namespace wisp {

struct MemDeref {
  void operator()(void *p) const noexcept { mem_deref(p); }
};

// Sole owner of one libre reference.
template <class T> using RePtr = std::unique_ptr<T, MemDeref>;

// A non-owning view of a std::string_view as libre's pointer-length string.
inline pl toPl(std::string_view s) { return pl{s.data(), s.size()}; }

inline std::string fromPl(const pl &p) { return p.p ? std::string(p.p, p.l) : std::string(); }

} // namespace wisp
