#include <qail/cli/run.hpp>

int main(int argc, char** argv) {
    return qail::cli::run(argc, argv);
}
