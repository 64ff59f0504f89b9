<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>CounterPage</name>
    <message>
        <location filename="../../desktop/counter_page.py" line="122"/>
        <source>Open day (F2)</source>
        <translation>开班 (F2)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="123"/>
        <source>Hand over</source>
        <translation>交款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="124"/>
        <source>Close day (F10)</source>
        <translation>日结 (F10)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="125"/>
        <source>Day report</source>
        <translation>日结报表</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="135"/>
        <source>Account no., scanned meter barcode, name or room (F3)</source>
        <translation>户号、扫描表计条码、户名或房间 (F3)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="141"/>
        <location filename="../../desktop/counter_page.py" line="150"/>
        <location filename="../../desktop/counter_page.py" line="225"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="141"/>
        <location filename="../../desktop/counter_page.py" line="225"/>
        <source>Holder</source>
        <translation>户名</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="141"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="141"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="142"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="153"/>
        <source>Account no.:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="153"/>
        <source>Holder:</source>
        <translation>户名：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="154"/>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="154"/>
        <source>Class:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="155"/>
        <source>Billing:</source>
        <translation>收费方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="155"/>
        <source>Balance:</source>
        <translation>余额：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="156"/>
        <source>Meters:</source>
        <translation>表计：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="156"/>
        <source>Mobile:</source>
        <translation>手机：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="168"/>
        <source>Period</source>
        <translation>账期</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="168"/>
        <source>Items</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="168"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="168"/>
        <location filename="../../desktop/counter_page.py" line="178"/>
        <location filename="../../desktop/counter_page.py" line="226"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="169"/>
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="169"/>
        <source>Late fee</source>
        <translation>滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="169"/>
        <source>Owed</source>
        <translation>欠费</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="169"/>
        <source>Due</source>
        <translation>缴费期限</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="171"/>
        <source>Waive late fee…</source>
        <translation>减免滞纳金…</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="172"/>
        <source>Managers only; the reason is kept</source>
        <translation>仅限管理人员；原因将被记录</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="178"/>
        <location filename="../../desktop/counter_page.py" line="225"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="178"/>
        <location filename="../../desktop/counter_page.py" line="225"/>
        <source>Receipt</source>
        <translation>收据号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="178"/>
        <location filename="../../desktop/counter_page.py" line="226"/>
        <source>Channel</source>
        <translation>收款方式</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="179"/>
        <source>Branch</source>
        <translation>网点</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="183"/>
        <source>Take payment</source>
        <translation>收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="201"/>
        <source>Take payment (F9)</source>
        <translation>收款 (F9)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="212"/>
        <source>Owed:</source>
        <translation>应缴：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="213"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="214"/>
        <source>Channel:</source>
        <translation>收款方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="215"/>
        <source>Reference:</source>
        <translation>票据号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="217"/>
        <source>Bank:</source>
        <translation>银行：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="218"/>
        <source>Tendered:</source>
        <translation>实收：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="219"/>
        <source>Change:</source>
        <translation>找零：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="223"/>
        <source>My receipts today</source>
        <translation>我今日的收据</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="226"/>
        <source>Reference</source>
        <translation>票据号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="226"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="228"/>
        <source>Reprint (F11)</source>
        <translation>重打 (F11)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="229"/>
        <source>Void (F12)</source>
        <translation>作废 (F12)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="261"/>
        <source>Open bills</source>
        <translation>未缴账单</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="267"/>
        <source>Payments in the last 12 months</source>
        <translation>近 12 个月缴费记录</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="325"/>
        <source>The day {date} is still open: close it before taking money (F10)</source>
        <translation>{date} 尚未日结：请先日结再收款 (F10)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="329"/>
        <source>{date} open since {time}, float {amount}, taken {taken}</source>
        <translation>{date} 已开班（{time}），备用金 {amount}，已收 {taken}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="341"/>
        <source>{date} is closed; no more payments today</source>
        <translation>{date} 已日结，今日不能再收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="347"/>
        <source>The day is not open: press F2 to open it</source>
        <translation>尚未开班：按 F2 开班</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="357"/>
        <source>Void: {reason}</source>
        <translation>作废：{reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="364"/>
        <source>{count} receipts, {amount} taken</source>
        <translation>共 {count} 张收据，已收 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="451"/>
        <source>Export &amp;Excel…</source>
        <translation>导出 &amp;Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="466"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="509"/>
        <source>Nothing found for “{query}”</source>
        <translation>未找到“{query}”</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="511"/>
        <source>{count} found</source>
        <translation>找到 {count} 户</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="599"/>
        <source>Waive the late fee of {period}</source>
        <translation>减免 {period} 的滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="600"/>
        <location filename="../../desktop/counter_page.py" line="748"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="628"/>
        <source>Cheque no.:</source>
        <translation>支票号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="628"/>
        <source>Bank serial no.:</source>
        <translation>银行流水号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="648"/>
        <source>Tendered is less than the amount</source>
        <translation>实收少于收款金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="698"/>
        <source>Payment not taken</source>
        <translation>未能收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="720"/>
        <source>Receipt {no}</source>
        <translation>收据 {no}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_page.py" line="747"/>
        <source>Void receipt {no}</source>
        <translation>作废收据 {no}</translation>
    </message>
</context>
<context>
    <name>DatabaseInfo</name>
    <message>
        <location filename="../../desktop/connection.py" line="24"/>
        <source>Embedded demo database</source>
        <translation>嵌入式演示数据库</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="25"/>
        <source>Central server {host}/{name}</source>
        <translation>中心服务器 {host}/{name}</translation>
    </message>
</context>
<context>
    <name>DocumentDialog</name>
    <message>
        <location filename="../../desktop/document_dialog.py" line="65"/>
        <source>&amp;Print</source>
        <translation>打印(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../desktop/document_dialog.py" line="68"/>
        <source>&amp;Save PDF…</source>
        <translation>保存 PDF(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../desktop/document_dialog.py" line="69"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../desktop/document_dialog.py" line="116"/>
        <source>Save PDF</source>
        <translation>保存 PDF</translation>
    </message>
</context>
<context>
    <name>HandOverDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="50"/>
        <source>Hand cash over</source>
        <translation>交款</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="53"/>
        <source>Login name of the head cashier</source>
        <translation>收款人（主收款员）登录名</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="56"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="57"/>
        <source>Handed to:</source>
        <translation>交给：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="58"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../desktop/login.py" line="51"/>
        <source>MeterDesk Metering &amp; Billing — Sign in</source>
        <translation>MeterDesk 水电计量收费系统 — 登录</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="56"/>
        <source>Water &amp; Electricity Metering and Billing</source>
        <translation>水电计量收费系统</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="60"/>
        <source>Staff number or login name</source>
        <translation>工号或登录名</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="64"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="66"/>
        <source>Login name:</source>
        <translation>工号/登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="67"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="78"/>
        <location filename="../../desktop/login.py" line="173"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="83"/>
        <source>Exit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="103"/>
        <source>Database: {label}</source>
        <translation>数据库：{label}</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="122"/>
        <source>Please enter your login name.</source>
        <translation>请输入工号或登录名。</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="126"/>
        <source>Please enter your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <location filename="../../desktop/login.py" line="173"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/main_window.py" line="90"/>
        <source>MeterDesk Metering &amp; Billing</source>
        <translation>MeterDesk 水电计量收费系统</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="117"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="118"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="125"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="126"/>
        <source>&amp;Home</source>
        <translation>首页(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="132"/>
        <source>&amp;Counter</source>
        <translation>收费台(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="137"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="138"/>
        <source>Receipt paper</source>
        <translation>收据纸张</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="140"/>
        <source>A5 sheet</source>
        <translation>A5 单页纸</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="140"/>
        <source>Continuous form 241 × 93 mm</source>
        <translation>连续打印纸 241 × 93 mm</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="150"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="151"/>
        <source>&amp;About MeterDesk</source>
        <translation>关于 MeterDesk(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="158"/>
        <source>User: {name} ({login})</source>
        <translation>当前用户：{name}（{login}）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="161"/>
        <source>Branch: {branch}</source>
        <translation>分中心：{branch}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="162"/>
        <source>(none)</source>
        <translation>（未分配）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="167"/>
        <source>Database: {label}</source>
        <translation>数据库：{label}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="169"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="179"/>
        <source>&lt;h3&gt;MeterDesk {version}&lt;/h3&gt;&lt;p&gt;Water &amp; electricity metering and billing for the university service center.&lt;/p&gt;&lt;p&gt;Database: {database}&lt;br&gt;Qt {qt}&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MeterDesk {version}&lt;/h3&gt;&lt;p&gt;高校水电保障中心水电计量收费系统。&lt;/p&gt;&lt;p&gt;数据库：{database}&lt;br&gt;Qt {qt}&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="185"/>
        <source>About MeterDesk</source>
        <translation>关于 MeterDesk</translation>
    </message>
</context>
<context>
    <name>OpenTillDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="27"/>
        <source>Open the day</source>
        <translation>开班</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="29"/>
        <source>Cash left at the last close</source>
        <translation>默认为上次日结留存的现金</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="31"/>
        <source>Float:</source>
        <translation>备用金：</translation>
    </message>
</context>
<context>
    <name>SettlementDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="79"/>
        <source>Close the day {date}</source>
        <translation>日结 {date}</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="82"/>
        <source>Channel</source>
        <translation>收款方式</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="82"/>
        <source>Count</source>
        <translation>笔数</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="82"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="84"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="91"/>
        <source>Float:</source>
        <translation>备用金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="92"/>
        <source>Cash taken:</source>
        <translation>现金实收：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="93"/>
        <source>Change given:</source>
        <translation>找零：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="94"/>
        <source>Cash voided:</source>
        <translation>作废现金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="95"/>
        <source>Handed over:</source>
        <translation>已交款：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="100"/>
        <source>Expected cash:</source>
        <translation>应有现金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="103"/>
        <source>Cash counted:</source>
        <translation>清点现金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="105"/>
        <source>Over / short:</source>
        <translation>长短款：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="107"/>
        <source>Why the drawer is over or short</source>
        <translation>长款或短款的原因</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="108"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="111"/>
        <source>Voided:</source>
        <translation>已作废：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="116"/>
        <source>Close the day</source>
        <translation>日结</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="135"/>
        <source>Over {amount}</source>
        <translation>长款 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="137"/>
        <source>Short {amount}</source>
        <translation>短款 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="139"/>
        <source>Balanced</source>
        <translation>无长短款</translation>
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
        <location filename="../../desktop/connection.py" line="48"/>
        <source>The database schema ({current}) is newer than this program supports ({head}). Please install the current version of MeterDesk.</source>
        <translation>数据库结构版本（{current}）比本程序支持的版本（{head}）新，请安装最新版 MeterDesk。</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="53"/>
        <source>The database schema is at version {current}, this program needs {head}. Ask the administrator to run: meterdesk db upgrade</source>
        <translation>数据库结构版本为 {current}，本程序需要 {head}。请管理员先运行：meterdesk db upgrade</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="58"/>
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
        <location filename="../../desktop/main_window.py" line="40"/>
        <source>Welcome, {name}</source>
        <translation>欢迎，{name}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="51"/>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="52"/>
        <source>Login name:</source>
        <translation>工号/登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="53"/>
        <source>Department:</source>
        <translation>部门：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="54"/>
        <source>Post:</source>
        <translation>岗位：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="55"/>
        <source>Branch:</source>
        <translation>分中心：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="55"/>
        <source>(none)</source>
        <translation>（未分配）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="56"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
</context>
</TS>
