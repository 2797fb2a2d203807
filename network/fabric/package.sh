#!/usr/bin/env bash
# Builds the two chaincode packages of chaincode/ for a real Fabric 2.5 network:
#
#   <out>/manusquare-ccaas.tar.gz  chaincode as a service: metadata.json {"type":"ccaas"} and
#                                  code.tar.gz holding connection.json (where the peer dials the server)
#   <out>/manusquare-node.tar.gz   node chaincode built and launched by the peer: metadata.json
#                                  {"type":"node"} and code.tar.gz holding src/ (the chaincode folder,
#                                  compiled dist/ included, node_modules excluded), the layout
#                                  `peer lifecycle chaincode package --lang node` produces
#
# Usage: network/fabric/package.sh [OUT_DIR]         (default: a new temporary folder)
# Environment:
#   LABEL           package label (default manusquare_1.0)
#   CCAAS_ADDRESS   address template in connection.json (default from ccaas/connection.json)
#   CCAAS_TLS_DIR   folder with root.crt (the chaincode server's TLS CA) and optionally client.crt and
#                   client.key (the peer's client pair for mutual TLS): sets tls_required (and
#                   client_auth_required) and inlines the PEMs into connection.json
#
# Archives are reproducible (sorted names, fixed owner and mtime, gzip -n), so the package ID printed
# at the end, <label>:<sha256 of the file>, equals what `peer lifecycle chaincode calculatepackageid`
# reports and stays the same for the same inputs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CHAINCODE="$ROOT/chaincode"
LABEL="${LABEL:-manusquare_1.0}"
OUT="${1:-$(mktemp -d "${TMPDIR:-/tmp}/manusquare-packages.XXXXXX")}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/manusquare-pkg-work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

die() { echo "package.sh: $*" >&2; exit 1; }

# GNU tar flags for byte-identical archives from identical inputs.
TAR_FLAGS=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu)
reproducible_tgz() { # <archive> <dir> <entries...>
  local archive="$1" dir="$2"
  shift 2
  tar "${TAR_FLAGS[@]}" -C "$dir" -cf - "$@" | gzip -n -9 >"$archive"
}

json_pem() { # a PEM file as a JSON string body (newlines escaped)
  awk 'NF { sub(/\r$/, ""); printf "%s\\n", $0 }' "$1"
}

package_id() { # <label> <file>
  echo "$1:$(sha256sum "$2" | cut -d' ' -f1)"
}

# --- chaincode as a service ----------------------------------------------------------------------------
mkdir -p "$WORK/ccaas/code"
ADDRESS="${CCAAS_ADDRESS:-$(sed -n 's/.*"address": *"\([^"]*\)".*/\1/p' "$HERE/ccaas/connection.json")}"
[ -n "$ADDRESS" ] || die "no address in $HERE/ccaas/connection.json"
if [ -n "${CCAAS_TLS_DIR:-}" ]; then
  [ -f "$CCAAS_TLS_DIR/root.crt" ] || die "CCAAS_TLS_DIR=$CCAAS_TLS_DIR has no root.crt"
  ROOT_CERT="$(json_pem "$CCAAS_TLS_DIR/root.crt")"
  CLIENT_AUTH=false CLIENT_CERT="" CLIENT_KEY=""
  if [ -f "$CCAAS_TLS_DIR/client.crt" ] && [ -f "$CCAAS_TLS_DIR/client.key" ]; then
    CLIENT_AUTH=true
    CLIENT_CERT="$(json_pem "$CCAAS_TLS_DIR/client.crt")"
    CLIENT_KEY="$(json_pem "$CCAAS_TLS_DIR/client.key")"
  fi
  cat >"$WORK/ccaas/code/connection.json" <<EOF
{
  "address": "$ADDRESS",
  "dial_timeout": "10s",
  "tls_required": true,
  "client_auth_required": $CLIENT_AUTH,
  "client_key": "$CLIENT_KEY",
  "client_cert": "$CLIENT_CERT",
  "root_cert": "$ROOT_CERT"
}
EOF
else
  sed "s|\"address\": *\"[^\"]*\"|\"address\": \"$ADDRESS\"|" "$HERE/ccaas/connection.json" >"$WORK/ccaas/code/connection.json"
fi
printf '{ "type": "ccaas", "label": "%s" }\n' "$LABEL" >"$WORK/ccaas/metadata.json"
reproducible_tgz "$WORK/ccaas/code.tar.gz" "$WORK/ccaas/code" connection.json
reproducible_tgz "$OUT/manusquare-ccaas.tar.gz" "$WORK/ccaas" metadata.json code.tar.gz

# --- node chaincode ------------------------------------------------------------------------------------
# Fabric's node builder runs `npm install --production` and `npm start`, never a build step: ship dist/.
TSC="$ROOT/node_modules/.bin/tsc"
if [ -x "$TSC" ]; then
  "$TSC" -p "$CHAINCODE/tsconfig.json"
elif [ ! -f "$CHAINCODE/dist/index.js" ]; then
  die "chaincode/dist/index.js is missing and no TypeScript compiler at $TSC: run 'npm ci && npm run build:chaincode' first"
fi
mkdir -p "$WORK/node/code/src"
( cd "$CHAINCODE" && tar --exclude=node_modules --exclude='*.tsbuildinfo' -cf - . ) | tar -C "$WORK/node/code/src" -xf -
# Launched by the peer, the chaincode dials the peer: `fabric-chaincode-node start`, not `server` (the
# chaincode-as-a-service command chaincode/package.json uses).
sed -i 's/"start": *"fabric-chaincode-node server"/"start": "fabric-chaincode-node start"/' "$WORK/node/code/src/package.json"
grep -q '"start": "fabric-chaincode-node start"' "$WORK/node/code/src/package.json" ||
  die "chaincode/package.json has no start script that could be turned into 'fabric-chaincode-node start'"
printf '{ "path": "", "type": "node", "label": "%s" }\n' "$LABEL" >"$WORK/node/metadata.json"
reproducible_tgz "$WORK/node/code.tar.gz" "$WORK/node/code" src
reproducible_tgz "$OUT/manusquare-node.tar.gz" "$WORK/node" metadata.json code.tar.gz

echo "ccaas package: $OUT/manusquare-ccaas.tar.gz  package id $(package_id "$LABEL" "$OUT/manusquare-ccaas.tar.gz")"
echo "node package:  $OUT/manusquare-node.tar.gz  package id $(package_id "$LABEL" "$OUT/manusquare-node.tar.gz")"
