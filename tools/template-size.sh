#!/usr/bin/env bash
# Writes template/metaflow.yml's size into template/README.md (TemplateDefectsTests checks it is the true size).
set -euo pipefail
cd "$(dirname "$0")/.."
size=$(wc -c < template/metaflow.yml | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta')
sed -i -E "s/\`metaflow.yml\` is \*\*[0-9,]+ bytes\*\*/\`metaflow.yml\` is **${size} bytes**/" template/README.md
grep -o "is \*\*[0-9,]* bytes\*\*" template/README.md
