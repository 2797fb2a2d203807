// Preloaded (`node --require`) into every chaincode server the devnet starts. The devnet holds the other
// end of the server's stdin; when the devnet dies, even by SIGKILL, the pipe closes and the server exits
// instead of lingering as an orphan that keeps its port.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
