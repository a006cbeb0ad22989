from cloudaudit.cli import main

main()
