#include "cli/app.hpp"
#include "process/process.hpp"

int main(int argc, char** argv) {
    return eq::cli::run("queue-process", argc, argv, eq::process::main);
}
