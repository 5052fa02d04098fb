#include "sip/stun_mapping.h"

#include "util/callback_guard.h"
#include "util/log.h"

#include <algorithm>
#include <cstring>

namespace wisp {
namespace {

// Below libre's own handlers on the socket (RTP, SIP): our responses are taken out first.
constexpr int kStunLayer = -10;

std::string formatAddress(const sa &a) {
  char buf[80];
  re_snprintf(buf, sizeof buf, "%J", &a);
  return buf;
}

} // namespace

StunMapping::StunMapping(std::shared_ptr<StunServers> servers, void *udpSock,
                         uint32_t keepAliveSeconds, std::string who, Handler onMapped)
    : servers_(std::move(servers)), sock_(udpSock),
      keepAlive_(std::max<uint32_t>(keepAliveSeconds, 1)), who_(std::move(who)),
      onMapped_(std::move(onMapped)) {
  tmr_init(&waitTimer_);
  tmr_init(&switchTimer_);
  tmr_init(&reportTimer_);
}

StunMapping::~StunMapping() {
  tmr_cancel(&waitTimer_);
  tmr_cancel(&switchTimer_);
  tmr_cancel(&reportTimer_);
}

bool StunMapping::start() {
  if (!servers_ || !sock_)
    return false;
  candidates_ = servers_->candidates();
  if (candidates_.empty())
    return false;
  silentInARow_ = 0;
  return useServer(0);
}

bool StunMapping::useServer(size_t index) {
  tmr_cancel(&waitTimer_);
  ska_.reset();
  index_ = index % candidates_.size();
  stun_keepalive *ska = nullptr;
  if (int err = stun_keepalive_alloc(&ska, IPPROTO_UDP, sock_, kStunLayer, &candidates_[index_],
                                     nullptr, &StunMapping::onStunAnswer, this)) {
    log::warn("stun", "%s: cannot ask STUN: %s", who_.c_str(), strerror(err));
    return false;
  }
  ska_.reset(ska);
  stun_keepalive_enable(ska, keepAlive_);
  tmr_start(
      &waitTimer_, kStunServerWaitMs,
      [](void *arg) {
        guardCallback("stun wait", [&] {
          static_cast<StunMapping *>(arg)->nextServer("did not answer in time");
        });
      },
      this);
  return true;
}

// After a whole round of silent servers, stay with the current one: its keep-alive goes on
// asking every keepAlive seconds, and a failure reported by libre then moves on again.
void StunMapping::nextServer(const char *why) {
  log::warn("stun", "%s: STUN server %s %s", who_.c_str(),
            servers_->describe(candidates_[index_]).c_str(), why);
  if (++silentInARow_ >= candidates_.size()) {
    log::warn("stun", "%s: no STUN server answered; asking again every %u s", who_.c_str(),
              keepAlive_);
    silentInARow_ = 0;
    return;
  }
  useServer(index_ + 1);
}

void StunMapping::onStunAnswer(int err, const sa *mapped, void *arg) {
  guardCallback("stun", [&] {
    auto *m = static_cast<StunMapping *>(arg);
    if (err || !mapped) {
      // The server stopped answering (libre gave up on a request): the next one, once we are
      // out of libre's transaction code.
      tmr_start(
          &m->switchTimer_, 0,
          [](void *a) {
            guardCallback("stun switch", [&] {
              auto *self = static_cast<StunMapping *>(a);
              self->nextServer("stopped answering");
            });
          },
          m);
      return;
    }
    tmr_cancel(&m->waitTimer_);
    m->silentInARow_ = 0;
    m->servers_->answered(m->candidates_[m->index_]);
    m->mapped_ = *mapped;
    if (m->reported_ && sa_cmp(&*m->reported_, mapped, SA_ALL))
      return;
    tmr_start(
        &m->reportTimer_, 0,
        [](void *a) {
          guardCallback("stun mapped", [&] {
            auto *self = static_cast<StunMapping *>(a);
            if (!self->mapped_)
              return;
            self->reported_ = self->mapped_;
            log::info("stun", "%s: public address %s (STUN server %s)", self->who_.c_str(),
                      formatAddress(*self->mapped_).c_str(),
                      self->servers_->describe(self->candidates_[self->index_]).c_str());
            if (self->onMapped_)
              self->onMapped_(*self->mapped_);
          });
        },
        m);
  });
}

} // namespace wisp
