<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>DatabaseInfo</name>
    <message>
        <location filename="../../desktop/connection.py" line="25"/>
        <source>Embedded demo database</source>
        <translation>嵌入式演示数据库</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="26"/>
        <source>Central server {host}/{name}</source>
        <translation>中心服务器 {host}/{name}</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../desktop/login.py" line="73"/>
        <source>MeterDesk Metering &amp; Billing — Sign in</source>
        <translation>MeterDesk 水电计量收费系统 — 登录</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="78"/>
        <source>Water &amp; Electricity Metering and Billing</source>
        <translation>水电计量收费系统</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="82"/>
        <source>Staff number or login name</source>
        <translation>工号或登录名</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="86"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="88"/>
        <source>Login name:</source>
        <translation>工号/登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="89"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="100"/>
        <location filename="../../desktop/login.py" line="195"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="105"/>
        <source>Exit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="125"/>
        <source>Database: {label}</source>
        <translation>数据库：{label}</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="144"/>
        <source>Please enter your login name.</source>
        <translation>请输入工号或登录名。</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="148"/>
        <source>Please enter your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="195"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/main_window.py" line="84"/>
        <source>MeterDesk Metering &amp; Billing</source>
        <translation>MeterDesk 水电计量收费系统</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="100"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="101"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="108"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="109"/>
        <source>&amp;About MeterDesk</source>
        <translation>关于 MeterDesk(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="116"/>
        <source>User: {name} ({login})</source>
        <translation>当前用户：{name}（{login}）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="119"/>
        <source>Branch: {branch}</source>
        <translation>分中心：{branch}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="120"/>
        <source>(none)</source>
        <translation>（未分配）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="125"/>
        <source>Database: {label}</source>
        <translation>数据库：{label}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="127"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="137"/>
        <source>&lt;h3&gt;MeterDesk {version}&lt;/h3&gt;&lt;p&gt;Water &amp; electricity metering and billing for the university service center.&lt;/p&gt;&lt;p&gt;Database: {database}&lt;br&gt;Qt {qt}&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MeterDesk {version}&lt;/h3&gt;&lt;p&gt;高校水电保障中心水电计量收费系统。&lt;/p&gt;&lt;p&gt;数据库：{database}&lt;br&gt;Qt {qt}&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="143"/>
        <source>About MeterDesk</source>
        <translation>关于 MeterDesk</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <location filename="../../desktop/app.py" line="87"/>
        <source>MeterDesk cannot start</source>
        <translation>MeterDesk 无法启动</translation>
    </message>
    <message>
        <location filename="../../desktop/app.py" line="166"/>
        <source>The configuration file cannot be read: {error}</source>
        <translation>无法读取配置文件：{error}</translation>
    </message>
    <message>
        <location filename="../../desktop/app.py" line="176"/>
        <source>Cannot connect to the database: {error}</source>
        <translation>无法连接数据库：{error}</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="55"/>
        <source>The database schema ({current}) is newer than this program supports ({head}). Please install the current version of MeterDesk.</source>
        <translation>数据库结构版本（{current}）比本程序支持的版本（{head}）新，请安装最新版 MeterDesk。</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="63"/>
        <source>The database schema is at version {current}, this program needs {head}. Ask the administrator to run: meterdesk db upgrade</source>
        <translation>数据库结构版本为 {current}，本程序需要 {head}。请管理员先运行：meterdesk db upgrade</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="68"/>
        <source>(empty)</source>
        <translation>空</translation>
    </message>
</context>
<context>
    <name>TaskRunner</name>
    <message>
        <location filename="../../desktop/tasks.py" line="115"/>
        <source>Cannot reach the database. Check the network and try again.</source>
        <translation>无法连接数据库，请检查网络后重试。</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="119"/>
        <source>An unexpected error occurred ({error}); details are in the log.</source>
        <translation>发生意外错误（{error}），详情见日志。</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="128"/>
        <source>MeterDesk</source>
        <translation>MeterDesk</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <location filename="../../desktop/main_window.py" line="34"/>
        <source>Welcome, {name}</source>
        <translation>欢迎，{name}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="45"/>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="46"/>
        <source>Login name:</source>
        <translation>工号/登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="47"/>
        <source>Department:</source>
        <translation>部门：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="48"/>
        <source>Post:</source>
        <translation>岗位：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="49"/>
        <source>Branch:</source>
        <translation>分中心：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="49"/>
        <source>(none)</source>
        <translation>（未分配）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="50"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
</context>
</TS>
