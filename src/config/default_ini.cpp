// The wisp.ini a new profile starts with. Convention (relied on by the tests): explanations
// start with "; " and commented-out examples with ";" directly followed by the text, so
// removing that ";" from every example yields a valid file that uses every key.
#include "config/settings.h"

namespace wisp {

std::string_view defaultIniText() {
  return R"ini(; Wisp configuration, read at start-up and on `reload`. An error names its line: at
; start-up Wisp then does not start; on reload it keeps the settings it had.
;
; Syntax: [Section] headers and key=value lines. Lines starting with ; or # are comments
; (only whole lines: a ; inside a value is part of the value). Put a value in double quotes
; to keep spaces at its ends. Yes/no keys accept 1/0, true/false, yes/no or on/off.
; Reference: docs/config.md.

[Settings]
; Local port for SIP over UDP and TCP; 0 = any free port.
sourcePort=0

; Local IP address for SIP and audio; auto = the address of the default route.
listenAddress=auto

; Name servers for SIP host names, space-separated IP[:port]; empty = the system's.
;dnsSrvNs=

; Behind a NAT: learn the public address from a STUN server (1 = on), for the Contact of
; UDP registrations and each call's audio address and port; STUN lists servers as
; host[:port] (port 3478), tried in order.
enableSTUN=0
;STUN=

; UDP ports used for call audio (RTP), 1024-65535; rtpPortMin must be below rtpPortMax.
rtpPortMin=10000
rtpPortMax=20000

; Codecs to offer, in order of preference, separated by spaces.
; Supported: PCMU/8000/1 PCMA/8000/1
audioCodecs=PCMU/8000/1 PCMA/8000/1

; Answer incoming calls by themselves: 0 = never, all = every call.
autoAnswer=0
; Seconds to ring before answering automatically (0-3600).
autoAnswerDelay=0

; 1 = a call that arrives during another one rings; 0 = it is rejected as busy.
callWaiting=1

; User-Agent header sent in SIP messages; empty = Wisp/VERSION.
userAgent=

; Microphone and speaker: default, null (silence / discard), file:PATH (a WAV file;
; relative to this folder), pulse:NAME, alsa:NAME, or a PulseAudio device name.
audioInputDevice=default
audioOutputDevice=default

; Account for outgoing calls: N = [AccountN], 0 = the local account (calls by IP address).
; When not set: 1 if [Account1] exists, else 0.
;accountId=1

; Event hooks: programs run when something happens, never waited for (docs/config.md).
; A command is a program (in double quotes if its path has spaces) and its arguments; no
; shell runs it. The cmd* hooks get the remote number as their last argument. In a command,
; {number} {name} {callid} {direction} {duration} are replaced, and every hook gets the
; WISP_* environment variables (WISP_EVENT, WISP_CALL_ID, WISP_REMOTE_NUMBER, ...).
; When you dial out:
;cmdOutgoingCall=
; When a call comes in, and when it starts ringing:
;cmdIncomingCall=
;cmdCallRing=
; When you answer an incoming call:
;cmdCallAnswer=
; When a call (either way) is established:
;cmdCallStart=
; When a call ends busy or declined (486, 600, 603), and when it ends any other way:
;cmdCallBusy=
;cmdCallEnd=
; Seconds a hook may run before it is stopped (1-3600).
hookTimeout=10
; Hooks that may run at once (1-64); more wait for their turn.
hookConcurrency=4

; [Hooks] runs a command on any event of the control socket's stream (docs/api.md):
; call.incoming call.outgoing call.state call.media call.dtmf call.ended registration.
;[Hooks]
;registration=
;call.dtmf=

[Api]
; D-Bus service org.wisp.Phone on the session bus: on, off, or auto (on when there is a
; session bus, i.e. DBUS_SESSION_BUS_ADDRESS is set).
dbus=auto
; HTTP API (REST and an event stream, docs/api.md): IP:PORT to listen on; empty = off.
;http=127.0.0.1:8089
; Required with http: clients send "Authorization: Bearer TOKEN". Use a long random string.
;httpToken=change-me-to-a-long-random-string
; 1 = allow an http address other than loopback (other hosts can then reach the API).
;httpAllowRemote=0
; A web page origin allowed to use the API from a browser (CORS), e.g.
; https://crm.example.com; empty = no CORS headers.
;httpCorsOrigin=

; Accounts: [Account1] to [Account99]. Remove the ; in front of the lines below to use this
; example. Only username and server (or domain) are required.
;[Account1]
; Name shown for this account.
;label=Office
; Registrar host[:port]; empty = use domain.
;server=sip.example.com
; Outbound proxy host[:port]; empty = none.
;proxy=
; Domain of your SIP address (username@domain); empty = use server.
;domain=
;username=1001
; Authentication user name, if it differs from username.
;authID=
;password=secret
; Name shown to the people you call.
;displayName=Alice
; udp, tcp or tls.
;transport=udp
; 0 = keep the account here but do not register or use it.
;enabled=1
; Seconds between registrations (60-86400).
;registerRefresh=300
; Seconds between keep-alive packets that hold NAT bindings open; 0 = off (0-3600).
;keepAlive=15
; Address to announce instead of the local one (host[:port]), for NAT; empty = automatic.
;publicAddr=
; Put in front of every number dialled from this account.
;dialingPrefix=
; MicroSIP-style dial plan, kept as written.
;dialPlan=
; 1 = hide your caller ID from the people you call.
;hideCID=0
; transport=tls: a PEM file of CA certificates to trust besides the system's (a private PBX).
;tlsCaFile=
)ini";
}

} // namespace wisp
