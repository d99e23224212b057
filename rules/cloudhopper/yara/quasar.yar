/*
 * QuasarRAT - the open-source .NET RAT (github.com/quasar/Quasar) that
 * TA17-117A and the PwC/BAE Operation Cloud Hopper report name among
 * APT10's tools; the group ran its own builds. Rules written by the vigil
 * project from the public source: the namespaces of the 1.3 ("xClient")
 * and 1.4 ("Quasar.Client") clients and the configuration field names
 * that a build keeps in its .NET metadata (Quasar.Client/Config/Settings.cs).
 */

rule CH_QuasarRAT_Client_Build : apt10 quasar
{
    meta:
        description = "QuasarRAT client build (.NET PE with Quasar/xClient namespaces and its configuration fields)"
        author = "vigil project"
        reference = "https://github.com/quasar/Quasar (Quasar.Client/Config/Settings.cs)"
        reference2 = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        date = "2026-11-23"
        score = 80
    strings:
        $ns1 = "Quasar.Client" ascii
        $ns2 = "Quasar.Common" ascii
        $ns3 = "xClient.Core" ascii
        $ns4 = "xClient.Config" ascii
        $c1 = "RECONNECTDELAY" ascii
        $c2 = "ENCRYPTIONKEY" ascii
        $c3 = "LOGDIRECTORYNAME" ascii
        $c4 = "HIDEINSTALLSUBDIRECTORY" ascii
        $c5 = "SERVERSIGNATURE" ascii
        $c6 = "STARTUPKEY" ascii
        $net = "mscoree.dll" ascii nocase
    condition:
        uint16(0) == 0x5A4D and $net and any of ($ns*) and 3 of ($c*)
}
