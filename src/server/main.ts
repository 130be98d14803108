// Placeholder: the config language server (issue 8) replaces this file.
process.stderr.write('pegasus-ops language server: not built yet\n');
