#!/usr/bin/env bash
# Makes a throw-away PKI for the https tests, at test time (no private key is ever committed):
#   trusted-ca.pem         a CA the tests make the client trust (SSL_CERT_FILE on Linux, the Wine prefix's ROOT
#                          store for the Windows DLL: tests/windows/trust-ca.sh)
#   server.pem server.key  signed by that CA, for every name and address in SANS
#   untrusted-ca.pem       a second CA that nobody is told to trust
#   rogue.pem rogue.key    signed by the untrusted CA, for the same names: what a verifying client must refuse
# Usage: make-test-pki.sh DIR   (env SANS, default "DNS:localhost,IP:127.0.0.1,IP:127.0.0.11,IP:127.0.0.12,
#        IP:127.0.0.13,IP:::1"). Prints nothing on success; keys are EC P-256 (fast, and every stack here has it).
set -euo pipefail
dir=${1:?usage: make-test-pki.sh DIR}
sans=${SANS:-DNS:localhost,IP:127.0.0.1,IP:127.0.0.11,IP:127.0.0.12,IP:127.0.0.13,IP:::1}
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

ca() { # name subject
  openssl req -x509 "${ec[@]}" -keyout "$1.key" -out "$1.pem" -days 2 -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() { # name ca subject
  openssl req -new "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=$sans" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 -sha256 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

# Wine's crypt32 misreads an ECDSA signature whose r or s is shorter than 32 bytes (a few in a hundred certificates)
# and rejects the chain ("a signature in its chain is invalid (chain status 0x00000008)"): such a certificate is
# made again, so the Windows https tests do not fail by the luck of the draw.
full_width() { # name: both integers of its signature are 32 bytes long
  local offset lengths
  openssl x509 -in "$1.pem" -outform der -out "$1.der"
  offset=$(openssl asn1parse -inform der -in "$1.der" | tail -1 | cut -d: -f1 | tr -d ' ')
  lengths=$(openssl asn1parse -inform der -in "$1.der" -strparse "$offset" | awk -F: '/INTEGER/ { print length($NF) }')
  rm -f "$1.der"
  [ "$lengths" = $'64\n64' ]
}

make() { # ca|leaf name ...: at most 20 tries
  local try
  for try in $(seq 20); do
    "$@"
    if full_width "$2"; then return 0; fi
  done
}

make ca trusted-ca "/CN=Clustron DKV test CA (trusted)"
make ca untrusted-ca "/CN=Clustron DKV test CA (untrusted)"
make leaf server trusted-ca "/CN=clustron-dkv test manager"
make leaf rogue untrusted-ca "/CN=clustron-dkv test manager"
rm -f ./*.srl
