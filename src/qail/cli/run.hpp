#pragma once

namespace qail::cli {

/// The whole command line: parses arguments, runs the command, maps every
/// error to its exit code. main() only forwards here.
int run(int argc, char** argv);

} // namespace qail::cli
