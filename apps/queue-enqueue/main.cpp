#include "cli/app.hpp"
#include "enqueue/enqueue.hpp"

int main(int argc, char** argv) {
    return eq::cli::run("queue-enqueue", argc, argv, eq::enqueue::main);
}
