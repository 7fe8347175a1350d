# The failure cases of Errors.Tests.ps1, one per documented ErrorId and command. Read by its discovery (for -ForEach)
# and by its run phase (the console test runs them all in one child pwsh). Commands carry placeholders filled in when
# the manager runs: {M1} {M2} {M3} the managers' addresses, {DEAD} a loopback address where nothing listens, {ALL}
# all three. Fault/Hang: set on that manager first.
@(
    @{ Id = 'InvalidManagerAddress'; Category = 'InvalidArgument'; Terminating = $true; Target = 'http://127.0.0.11/admin'
        Command = "Stop-DkvStore -Name OrdersStore -Managers 'http://127.0.0.11/admin'"; Message = "Invalid manager address 'http://127.0.0.11/admin'" }
    @{ Id = 'InvalidManagerAddress'; Category = 'InvalidArgument'; Terminating = $true; Target = 'fe80::1::2'
        Command = "Connect-DkvManager -Managers 'fe80::1::2'"; Message = "Invalid manager address 'fe80::1::2'" }
    @{ Id = 'InvalidManagerAddress'; Category = 'InvalidArgument'; Terminating = $true; Target = 'mgr:0'
        Command = "Get-DkvStore -Name OrdersStore -Managers 'mgr:0'"; Message = "Invalid manager address 'mgr:0'" }
    @{ Id = 'InvalidArgument'; Category = 'InvalidArgument'; Terminating = $false; Target = '..'
        Command = "Stop-DkvStore -Name '..' -Managers {M1}"; Message = "Store name '..' is not a valid name." }
    @{ Id = 'InvalidArgument'; Category = 'InvalidArgument'; Terminating = $false; Target = ' Orders'
        Command = "Get-DkvStore -Name ' Orders' -Managers {M1}"; Message = "Store name ' Orders' starts or ends with white space. Remove it." }
    @{ Id = 'InvalidArgument'; Category = 'InvalidArgument'; Terminating = $false; Target = 'OrdersStore'
        Command = "Stop-DkvStore -Name OrdersStore -InstanceName '' -Managers {M1}"; Message = 'Instance name is empty. Give the name of an existing node.' }
    @{ Id = 'NoManagers'; Category = 'ConnectionError'; Terminating = $true; Target = $null
        Command = 'Stop-DkvStore -Name OrdersStore'; Message = 'No managers connected. Use Connect-DkvManager or specify -Managers.' }
    @{ Id = 'NoManagers'; Category = 'ConnectionError'; Terminating = $true; Target = $null
        Command = 'Get-DkvStore -Name OrdersStore'; Message = 'No managers connected. Use Connect-DkvManager or specify -Managers.' }
    @{ Id = 'StoreNotFound'; Category = 'ObjectNotFound'; Terminating = $false; Target = 'NoSuchStore'
        Command = 'Stop-DkvStore -Name NoSuchStore -Managers {M1}'; Message = "Store 'NoSuchStore' was not found on manager {M1}." }
    @{ Id = 'StoreNotFound'; Category = 'ObjectNotFound'; Terminating = $false; Target = 'NoSuchStore'
        Command = 'Get-DkvStore -Name NoSuchStore -Managers {M1},{M2}'; Message = "Store 'NoSuchStore' was not found on managers {M1}, {M2}." }
    @{ Id = 'InstanceNotFound'; Category = 'ObjectNotFound'; Terminating = $false; Target = 'orders-9'
        Command = 'Stop-DkvStore -Name OrdersStore -InstanceName orders-9 -Managers {M1}'; Message = "Store 'OrdersStore' has no node named 'orders-9'. Its nodes are: orders-1, orders-2, orders-3." }
    @{ Id = 'ManagerUnreachable'; Category = 'ConnectionError'; Terminating = $false; Target = 'OrdersStore'
        Command = 'Stop-DkvStore -Name OrdersStore -Managers {DEAD} -TimeoutSec 5'; Message = "No manager could discover store 'OrdersStore': {DEAD}:" }
    @{ Id = 'ManagerUnreachable'; Category = 'ConnectionError'; Terminating = $false; Target = 'OrdersStore'
        Command = 'Get-DkvStore -Name OrdersStore -Managers {DEAD} -TimeoutSec 5'; Message = "No manager could discover store 'OrdersStore': {DEAD}:" }
    @{ Id = 'DiscoveryTimeout'; Category = 'OperationTimeout'; Terminating = $false; Target = 'OrdersStore'; Hang = '127.0.0.11'
        Command = 'Stop-DkvStore -Name OrdersStore -Managers {M1} -TimeoutSec 1'; Message = "discovering store 'OrdersStore'" }
    @{ Id = 'StopFailed'; Category = 'InvalidResult'; Terminating = $false; Target = 'orders-2'; Fault = '500'
        Command = 'Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers {ALL}'; Message = "Stopping node 'orders-2' of store 'OrdersStore' through {M2} failed:" }
    @{ Id = 'StopTimedOut'; Category = 'OperationTimeout'; Terminating = $false; Target = 'orders-2'; Hang = '127.0.0.12'
        Command = 'Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers {ALL} -TimeoutSec 2'; Message = "Stopping node 'orders-2' of store 'OrdersStore' through {M2} timed out:" }
)
