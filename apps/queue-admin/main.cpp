#include "admin/admin.hpp"

int main(int argc, char** argv) {
    return eq::cli::run("queue-admin", argc, argv, eq::admin::main);
}
