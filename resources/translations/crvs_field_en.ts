<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB">
<context>
    <name>BackupDialog</name>
    <message numerus="yes">
        <source>%n archive(s)</source>
        <translation>
            <numerusform>%n archive</numerusform>
            <numerusform>%n archives</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ No backup succeeded for more than %n hour(s): back up now, or check the destinations below.</source>
        <translation>
            <numerusform>⚠ No backup succeeded for more than %n hour: back up now, or check the destinations below.</numerusform>
            <numerusform>⚠ No backup succeeded for more than %n hours: back up now, or check the destinations below.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>BackupStatusLabel</name>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>%n min ago</numerusform>
            <numerusform>%n min ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h ago</source>
        <translation>
            <numerusform>%n h ago</numerusform>
            <numerusform>%n h ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) ago</source>
        <translation>
            <numerusform>%n day ago</numerusform>
            <numerusform>%n days ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>No backup succeeded for more than %n hour(s).</source>
        <translation>
            <numerusform>No backup succeeded for more than %n hour.</numerusform>
            <numerusform>No backup succeeded for more than %n hours.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DeclarationForm</name>
    <message numerus="yes">
        <source>%n problem(s) to fix before submitting</source>
        <translation>
            <numerusform>%n problem to fix before submitting</numerusform>
            <numerusform>%n problems to fix before submitting</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueueList</name>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n record</numerusform>
            <numerusform>%n records</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message numerus="yes">
        <source>%n record(s) waiting to send</source>
        <translation>
            <numerusform>%n record waiting to send</numerusform>
            <numerusform>%n records waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n need(s) attention</source>
        <translation>
            <numerusform>%n needs attention</numerusform>
            <numerusform>%n need attention</numerusform>
        </translation>
    </message>
</context>
</TS>
