<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AccountColumn</name>
    <message>
        <location filename="../../desktop/counter_account.py" line="36"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="39"/>
        <source>Account no.:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="39"/>
        <source>Holder:</source>
        <translation>户名：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="40"/>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="40"/>
        <source>Class:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="41"/>
        <source>Billing:</source>
        <translation>收费方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="41"/>
        <source>Balance:</source>
        <translation>余额：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="42"/>
        <source>Meters:</source>
        <translation>表计：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="42"/>
        <source>Mobile:</source>
        <translation>手机：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="54"/>
        <source>Period</source>
        <translation>账期</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="54"/>
        <source>Items</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="54"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="54"/>
        <location filename="../../desktop/counter_account.py" line="66"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="55"/>
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="55"/>
        <source>Late fee</source>
        <translation>滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="55"/>
        <source>Owed</source>
        <translation>欠费</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="55"/>
        <source>Due</source>
        <translation>缴费期限</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="57"/>
        <source>Waive late fee…</source>
        <translation>减免滞纳金…</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="58"/>
        <source>Managers only; the reason is kept</source>
        <translation>仅限管理人员；原因将被记录</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="66"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="66"/>
        <source>Receipt</source>
        <translation>收据号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="66"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="67"/>
        <source>Branch</source>
        <translation>网点</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="72"/>
        <source>Open bills</source>
        <translation>未缴账单</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="79"/>
        <source>Payments in the last 12 months</source>
        <translation>近 12 个月缴费记录</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="140"/>
        <source>Waive the late fee of {period}</source>
        <translation>减免 {period} 的滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_account.py" line="141"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
</context>
<context>
    <name>AccountCorrections</name>
    <message>
        <location filename="../../desktop/correction_actions.py" line="92"/>
        <source>Adjust…</source>
        <translation>调账…</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="93"/>
        <source>A charge or a credit with a reason; managers only</source>
        <translation>加收或减免，须填写原因；仅限管理人员</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="95"/>
        <source>Refund…</source>
        <translation>退款…</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="97"/>
        <source>Pay the account&apos;s credit back, authorized by a manager</source>
        <translation>退还该户余额，须管理人员授权</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="158"/>
        <source>Refund form {no}</source>
        <translation>退款单 {no}</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="173"/>
        <source>Adjustment</source>
        <translation>调账</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="178"/>
        <source>{no}: {account} charged {amount}.</source>
        <translation>{no}：户号 {account} 加收 {amount} 元。</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="182"/>
        <source>Owed on its bill: {owed}.</source>
        <translation>调账单待缴 {owed} 元。</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="186"/>
        <source>{no}: {account} credited {amount}.</source>
        <translation>{no}：户号 {account} 减免 {amount} 元。</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="192"/>
        <source>Balance now {balance}.</source>
        <translation>当前余额 {balance} 元。</translation>
    </message>
</context>
<context>
    <name>AccountDialog</name>
    <message>
        <location filename="../../desktop/account_dialog.py" line="45"/>
        <source>New account</source>
        <translation>开户</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="47"/>
        <source>Edit account {no}</source>
        <translation>修改户号 {no}</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="60"/>
        <source>Postpaid</source>
        <translation>后收费</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="61"/>
        <source>Prepaid</source>
        <translation>预收费</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="69"/>
        <source>Account no.:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="70"/>
        <source>Holder:</source>
        <translation>户主：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="71"/>
        <source>Class:</source>
        <translation>用户类别：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="72"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="73"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="74"/>
        <source>Unit:</source>
        <translation>单元：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="75"/>
        <source>Room:</source>
        <translation>房号：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="76"/>
        <source>Mobile:</source>
        <translation>手机：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="77"/>
        <source>Billing:</source>
        <translation>收费方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="114"/>
        <source>Account no.: 1–32 letters, digits or dashes</source>
        <translation>户号：须为 1–32 位字母、数字或横线</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="119"/>
        <source>Holder: required</source>
        <translation>户主：必填</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="120"/>
        <source>Holder: at most 120 characters</source>
        <translation>户主：最多 120 个字</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="122"/>
        <source>Class: choose one</source>
        <translation>用户类别：请选择</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="123"/>
        <source>Campus: choose one</source>
        <translation>校区：请选择</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="124"/>
        <source>Building: at most 120 characters</source>
        <translation>楼宇：最多 120 个字</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="125"/>
        <source>Unit: at most 20 characters</source>
        <translation>单元：最多 20 个字</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="126"/>
        <source>Room: at most 20 characters</source>
        <translation>房号：最多 20 个字</translation>
    </message>
    <message>
        <location filename="../../desktop/account_dialog.py" line="116"/>
        <source>Mobile: digits, spaces and dashes only, at most 20</source>
        <translation>手机：只能含数字、空格和横线，最多 20 位</translation>
    </message>
</context>
<context>
    <name>AccountsPage</name>
    <message>
        <location filename="../../desktop/accounts_page.py" line="90"/>
        <source>Account no., meter no., name, room or mobile (Ctrl+F)</source>
        <translation>户号、表号、户主、房号或手机 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="95"/>
        <source>New account… (Ctrl+N)</source>
        <translation>开户… (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="97"/>
        <source>Edit… (F2)</source>
        <translation>修改… (F2)</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="99"/>
        <location filename="../../desktop/accounts_page.py" line="115"/>
        <source>Move out…</source>
        <translation>退房结算…</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="102"/>
        <source>Move in…</source>
        <translation>开户接替…</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="109"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="109"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="109"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="109"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="110"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="127"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="127"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="127"/>
        <source>Hardware no.</source>
        <translation>硬件号</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="127"/>
        <source>Digits</source>
        <translation>位数</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="128"/>
        <source>Multiplier</source>
        <translation>倍率</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="128"/>
        <location filename="../../desktop/accounts_page.py" line="132"/>
        <location filename="../../desktop/accounts_page.py" line="138"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="128"/>
        <source>Location</source>
        <translation>安装位置</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="129"/>
        <source>Last reading</source>
        <translation>最近读数</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="132"/>
        <source>Period</source>
        <translation>账期</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="132"/>
        <location filename="../../desktop/accounts_page.py" line="378"/>
        <source>Electricity (kWh)</source>
        <translation>电量 (kWh)</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="133"/>
        <location filename="../../desktop/accounts_page.py" line="378"/>
        <source>Water (m³)</source>
        <translation>水量 (m³)</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="133"/>
        <location filename="../../desktop/accounts_page.py" line="137"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="133"/>
        <source>Paid</source>
        <translation>已缴</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="133"/>
        <source>Open</source>
        <translation>未缴</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="134"/>
        <source>Issued</source>
        <translation>出账时间</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="137"/>
        <location filename="../../desktop/accounts_page.py" line="141"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="137"/>
        <source>Receipt</source>
        <translation>收据号</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="137"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="138"/>
        <source>Branch</source>
        <translation>收费网点</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="141"/>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="141"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="141"/>
        <source>Field</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="142"/>
        <source>Before</source>
        <translation>原值</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="142"/>
        <source>After</source>
        <translation>新值</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="152"/>
        <source>Meters</source>
        <translation>表计</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="153"/>
        <source>Bills</source>
        <translation>账单</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="154"/>
        <source>Payments</source>
        <translation>缴费</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="155"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="156"/>
        <source>History</source>
        <translation>变更记录</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="158"/>
        <source>Account statement</source>
        <translation>账户明细</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="259"/>
        <source>Nothing found for “{query}”</source>
        <translation>没有找到“{query}”</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="261"/>
        <source>{count} found</source>
        <translation>找到 {count} 户</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="303"/>
        <source>No account open</source>
        <translation>未打开户号</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="315"/>
        <source>Prepaid</source>
        <translation>预收费</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="315"/>
        <source>Postpaid</source>
        <translation>后收费</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="317"/>
        <source>{no}  {holder}</source>
        <translation>{no}  {holder}</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="320"/>
        <source>{address} · {klass} · {mode} · balance {balance} · mobile {mobile}</source>
        <translation>{address} · {klass} · {mode} · 余额 {balance} · 手机 {mobile}</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="354"/>
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="398"/>
        <source>Usage {first} – {last}</source>
        <translation>用量 {first} – {last}</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="448"/>
        <source>Move in at {address}</source>
        <translation>开户接替：{address}</translation>
    </message>
    <message>
        <location filename="../../desktop/accounts_page.py" line="500"/>
        <source>Accounts</source>
        <translation>用户信息管理</translation>
    </message>
</context>
<context>
    <name>AdjustDialog</name>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="37"/>
        <source>Adjustment</source>
        <translation>调账</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="40"/>
        <source>Adjust account {account}</source>
        <translation>调账 {account}</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="41"/>
        <source>Confirm adjustment</source>
        <translation>确认调账</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="42"/>
        <source>Charge (debit)</source>
        <translation>加收（借记）</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="43"/>
        <source>Credit (goodwill)</source>
        <translation>减免（贷记）</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="54"/>
        <source>Balance:</source>
        <translation>余额：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="55"/>
        <source>Adjustment:</source>
        <translation>调账方向：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="56"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="71"/>
        <source>Choose charge or credit.</source>
        <translation>请选择加收或减免。</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="74"/>
        <source>Type an amount above 0.</source>
        <translation>请输入大于 0 的金额。</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <location filename="../../desktop/admin_page.py" line="116"/>
        <source>Staff</source>
        <translation>工作人员</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="117"/>
        <source>Departments and posts</source>
        <translation>部门与岗位</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="118"/>
        <source>Permissions</source>
        <translation>权限</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="119"/>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="120"/>
        <source>Scheduled jobs</source>
        <translation>定时任务</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="131"/>
        <source>Login name</source>
        <translation>登录名</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="131"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="131"/>
        <location filename="../../desktop/admin_page.py" line="151"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="131"/>
        <location filename="../../desktop/admin_page.py" line="152"/>
        <source>Post</source>
        <translation>岗位</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="132"/>
        <source>Branch</source>
        <translation>分中心</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="132"/>
        <source>Mobile</source>
        <translation>手机</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="132"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="134"/>
        <source>New…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="136"/>
        <source>Disable / enable</source>
        <translation>停用 / 启用</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="138"/>
        <source>Reset password…</source>
        <translation>重置密码…</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="151"/>
        <location filename="../../desktop/admin_page.py" line="152"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="153"/>
        <source>New department…</source>
        <translation>新增部门…</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="155"/>
        <source>New post…</source>
        <translation>新增岗位…</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="172"/>
        <source>A module ticked for a post is granted to that post in the chosen department (or in every department). The administrator post holds every module.</source>
        <translation>勾选即把该模块授予所选部门（或全部部门）的该岗位。系统管理员岗位拥有全部模块。</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="178"/>
        <source>Department:</source>
        <translation>部门：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="184"/>
        <source>Login or name</source>
        <translation>登录名或姓名</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="186"/>
        <source>(all actions)</source>
        <translation>（全部操作）</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="195"/>
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="203"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="203"/>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="203"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="203"/>
        <source>Object</source>
        <translation>对象</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="204"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="211"/>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="211"/>
        <source>Last run</source>
        <translation>上次运行</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="211"/>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="211"/>
        <source>Message</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="212"/>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="212"/>
        <source>Next run</source>
        <translation>下次运行</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="214"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="218"/>
        <source>Jobs run on the server (meterdesk serve or meterdesk worker). A failed run or a job past its next run is tinted; see meterdesk jobs on the server.</source>
        <translation>定时任务在服务器上运行（meterdesk serve 或 meterdesk worker）。运行失败或已过下次运行时间仍未运行的任务以底色标出；详情可在服务器上运行 meterdesk jobs 查看。</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="236"/>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="237"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="238"/>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="245"/>
        <source>Not run yet</source>
        <translation>尚未运行</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="249"/>
        <source> (late)</source>
        <translation>（已逾期）</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="266"/>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="267"/>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="267"/>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="278"/>
        <source>(every department)</source>
        <translation>（全部部门）</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="337"/>
        <source>{total} events, the newest {shown} shown</source>
        <translation>共 {total} 条，显示最新 {shown} 条</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="400"/>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="401"/>
        <source>New password for {login}:</source>
        <translation>{login} 的新密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="412"/>
        <source>New department</source>
        <translation>新增部门</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="412"/>
        <source>New post</source>
        <translation>新增岗位</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="413"/>
        <source>Code and name, e.g. north 北区科:</source>
        <translation>代码和名称，以空格分隔，例如 north 北区科：</translation>
    </message>
</context>
<context>
    <name>ApprovalDialog</name>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="90"/>
        <source>Manager&apos;s approval</source>
        <translation>管理人员审批</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="102"/>
        <source>Approver&apos;s login:</source>
        <translation>审批人登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="103"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="107"/>
        <source>Approve</source>
        <translation>通过</translation>
    </message>
</context>
<context>
    <name>BenchReadPanel</name>
    <message>
        <location filename="../../desktop/bench_read.py" line="122"/>
        <source>COM3, /dev/ttyUSB0, socket://host:port or rfc2217://host:port</source>
        <translation>COM3、/dev/ttyUSB0、socket://主机:端口 或 rfc2217://主机:端口</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="125"/>
        <source>Refresh ports</source>
        <translation>刷新端口</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="133"/>
        <source>Meter address (hardware no.)</source>
        <translation>表地址（硬件号）</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="136"/>
        <source>Read address</source>
        <translation>读表地址</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="138"/>
        <source>Ask the one meter on the line for its address (broadcast)</source>
        <translation>广播询问线路上唯一一块表的通信地址</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="141"/>
        <source>Read</source>
        <translation>读取</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="144"/>
        <source>Record as reading</source>
        <translation>记为读数</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="146"/>
        <source>Record the total as the reading of the meter with this hardware number</source>
        <translation>把总示数记为该硬件号对应表计的读数</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="158"/>
        <source>Identifier</source>
        <translation>数据标识</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="159"/>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="160"/>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="161"/>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="162"/>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="176"/>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="179"/>
        <source>Protocol:</source>
        <translation>协议：</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="181"/>
        <source>Meter address:</source>
        <translation>表地址：</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="196"/>
        <source>Line log (sent TX / received RX):</source>
        <translation>通信报文（TX 发送 / RX 接收）：</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="208"/>
        <source>{port} (configured)</source>
        <translation>{port}（配置）</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="261"/>
        <source>Meter address: digits only</source>
        <translation>表地址：只能是数字</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="263"/>
        <source>Meter address: at most {n} digits for {protocol}</source>
        <translation>表地址：{protocol} 最多 {n} 位</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="299"/>
        <source>Reading {address} on {port}…</source>
        <translation>正在从 {port} 读取表 {address}……</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="308"/>
        <source>(broadcast)</source>
        <translation>（广播）</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="314"/>
        <source>No reply from the meter at {address} on {port} ({detail}). Check the port, the protocol, the address and the wiring.</source>
        <translation>端口 {port} 上地址为 {address} 的表无应答（{detail}）。请检查端口、协议、表地址和接线。</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="318"/>
        <source>The reply from {address} could not be understood: {detail}</source>
        <translation>表 {address} 的应答无法解析：{detail}</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="320"/>
        <source>Cannot use the port {port}: {detail}</source>
        <translation>无法使用端口 {port}：{detail}</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="322"/>
        <source>The meter at {address} answered abnormally: {detail}</source>
        <translation>表 {address} 异常应答：{detail}</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="336"/>
        <source>Meter {address}: total {total}; meter clock {clock}.</source>
        <translation>表 {address}：总示数 {total}；表内时间 {clock}。</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="352"/>
        <source>Asking the meter on {port} for its address…</source>
        <translation>正在询问 {port} 上的表的通信地址……</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="368"/>
        <source>The meter on the line answers at {address}.</source>
        <translation>线路上的表地址为 {address}。</translation>
    </message>
    <message>
        <location filename="../../desktop/bench_read.py" line="395"/>
        <source>Recorded {value} for {meter}.</source>
        <translation>已记录 {meter} 的读数 {value}。</translation>
    </message>
</context>
<context>
    <name>BillBox</name>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="56"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
</context>
<context>
    <name>BillContents</name>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="70"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="70"/>
        <source>Previous</source>
        <translation>上次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="70"/>
        <source>Current</source>
        <translation>本期读数</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="70"/>
        <source>Meter kind</source>
        <translation>表计类型</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="71"/>
        <location filename="../../desktop/billing_dialogs.py" line="83"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="74"/>
        <source>est.</source>
        <translation>估</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="83"/>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="83"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="93"/>
        <source>Meters billed</source>
        <translation>计费表计</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="95"/>
        <source>Charges</source>
        <translation>费用明细</translation>
    </message>
</context>
<context>
    <name>BillCorrections</name>
    <message>
        <location filename="../../desktop/correction_actions.py" line="203"/>
        <source>Rebill… (Ctrl+E)</source>
        <translation>更正账单… (Ctrl+E)</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="205"/>
        <source>The bill again from the readings and tariffs in force now; managers only</source>
        <translation>按现行读数和价格重开账单；仅限管理人员</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="207"/>
        <source>Cancel bill…</source>
        <translation>作废账单…</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="208"/>
        <source>A bill raised in error, with a credit note</source>
        <translation>作废误出的账单，开具红字冲销</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="267"/>
        <source>Bill corrected</source>
        <translation>账单已更正</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="273"/>
        <source>{no}: the bill {period} of {account} ({total}) is cancelled; {paid} paid on it went to the balance, now {balance}.</source>
        <translation>{no}：户号 {account} {period} 账单（{total} 元）已作废，已缴 {paid} 元转入余额，当前余额 {balance} 元。</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_actions.py" line="282"/>
        <source>{no}: the bill {period} of {account} ({old}) is replaced by a bill of {new}; owed on it {owed}, balance now {balance}.</source>
        <translation>{no}：户号 {account} {period} 账单（{old} 元）已更正为 {new} 元，应缴 {owed} 元，当前余额 {balance} 元。</translation>
    </message>
</context>
<context>
    <name>BillDetailDialog</name>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="107"/>
        <source>Bill {period} of {account}</source>
        <translation>{account} 的 {period} 账单</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="112"/>
        <source>Account no.:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="113"/>
        <source>Holder:</source>
        <translation>户名：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="114"/>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="115"/>
        <source>Period:</source>
        <translation>账期：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="117"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="118"/>
        <source>Status:</source>
        <translation>状态：</translation>
    </message>
</context>
<context>
    <name>BillPage</name>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="141"/>
        <source>Final bill</source>
        <translation>退房结算账单</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="144"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="144"/>
        <source>Previous</source>
        <translation>上次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="144"/>
        <source>Final</source>
        <translation>退房读数</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="144"/>
        <location filename="../../desktop/move_out_pages.py" line="147"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="147"/>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="147"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="147"/>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="160"/>
        <source>{first} – {last}, whole months</source>
        <translation>{first} 至 {last}，整月</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="164"/>
        <source>{first} – {last}: {part} of {days} days of {month}, tiers prorated</source>
        <translation>{first} 至 {last}：{month} 共 {days} 天中的 {part} 天，阶梯按日折算</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="172"/>
        <source>Period {period}, {covers}</source>
        <translation>账期 {period}，{covers}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="183"/>
        <source>Total {total}</source>
        <translation>合计 {total}</translation>
    </message>
</context>
<context>
    <name>BillingPage</name>
    <message>
        <location filename="../../desktop/billing_page.py" line="98"/>
        <location filename="../../desktop/billing_page.py" line="293"/>
        <source>Billing run</source>
        <translation>出账</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="99"/>
        <location filename="../../desktop/billing_page.py" line="210"/>
        <source>Bills</source>
        <translation>账单</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="100"/>
        <source>Payment notices</source>
        <translation>缴款通知单</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="103"/>
        <source>Period:</source>
        <translation>账期：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="117"/>
        <source>Run billing (Ctrl+R)</source>
        <translation>出账 (Ctrl+R)</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="123"/>
        <location filename="../../desktop/billing_page.py" line="124"/>
        <source>Reason skipped</source>
        <translation>跳过原因</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="123"/>
        <source>Meters</source>
        <translation>表计</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="124"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="125"/>
        <source>Export &amp;Excel…</source>
        <translation>导出 &amp;Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="127"/>
        <source>Notify residents</source>
        <translation>通知用户</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="129"/>
        <source>Queue the period&apos;s bill notices (账单通知) to residents bound to the accounts</source>
        <translation>向已绑定户号的用户发送本账期的账单通知</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="134"/>
        <source>Bills every active account not yet billed for the period from its accepted readings; running it again creates nothing twice.</source>
        <translation>按已审核的读数为本账期尚未出账的在用户出账；重复出账不会重复生成账单。</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="158"/>
        <location filename="../../desktop/billing_page.py" line="161"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="165"/>
        <source>Account no. starts with</source>
        <translation>户号开头</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="170"/>
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="173"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="173"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="173"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="173"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="174"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="182"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="183"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="184"/>
        <source>Status:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="185"/>
        <source>Account:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="203"/>
        <source>One PDF for a building (by room)</source>
        <translation>按楼宇一份 PDF（按房间排序）</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="204"/>
        <source>One account:</source>
        <translation>单户：</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="207"/>
        <source>Account no.</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="210"/>
        <source>Building</source>
        <translation>楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="212"/>
        <source>Make notices (Ctrl+P)</source>
        <translation>生成通知单 (Ctrl+P)</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="215"/>
        <source>Save all buildings to a folder…</source>
        <translation>全部楼宇保存到文件夹…</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="217"/>
        <source>Notices</source>
        <translation>通知单范围</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="306"/>
        <source>Choose the period and run the billing.</source>
        <translation>请选择账期后出账。</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="310"/>
        <source>{period}: {created} bills created, {skipped} meters skipped.</source>
        <translation>{period}：新建账单 {created} 张，跳过表计 {skipped} 块。</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="314"/>
        <source>{count} accounts had been billed before.</source>
        <translation>此前已出账 {count} 户，未重复出账。</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="318"/>
        <source>{count} meters billed on an estimate (估).</source>
        <translation>{count} 块表计按估抄出账（估）。</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="338"/>
        <source>{count} bill notices queued for residents.</source>
        <translation>已为用户生成 {count} 条账单通知。</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="351"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="406"/>
        <source>{count} bills, {amount} in all</source>
        <translation>共 {count} 张账单，合计 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="410"/>
        <source>(the first {shown} shown; narrow the filters)</source>
        <translation>（仅显示前 {shown} 张，请缩小筛选范围）</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="453"/>
        <source>{count} buildings with bills in {period}</source>
        <translation>{period} 有账单的楼宇 {count} 栋</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="470"/>
        <source>Account no. is required</source>
        <translation>请填写户号</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="488"/>
        <source>Payment notices {name}</source>
        <translation>缴款通知单 {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="504"/>
        <source>Save all buildings&apos; notices to</source>
        <translation>全部楼宇的通知单保存到</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="517"/>
        <source>{files} PDF files, {pages} notices saved</source>
        <translation>已保存 PDF {files} 个，通知单 {pages} 份</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_page.py" line="521"/>
        <source>(stopped before the end)</source>
        <translation>（已中途取消）</translation>
    </message>
</context>
<context>
    <name>BleReadBox</name>
    <message>
        <location filename="../../desktop/ble_read.py" line="47"/>
        <source>Bluetooth water meter</source>
        <translation>蓝牙抄表</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="58"/>
        <source>Name prefix (optional)</source>
        <translation>设备名前缀（可不填）</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="61"/>
        <source>Scan</source>
        <translation>扫描</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="66"/>
        <source>Meter no.</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="69"/>
        <source>Read</source>
        <translation>读取</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="71"/>
        <source>Record reading</source>
        <translation>记录读数</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="81"/>
        <source>Meter no.:</source>
        <translation>表号：</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="118"/>
        <source>Scanning for Bluetooth meters…</source>
        <translation>正在扫描蓝牙水表…</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="130"/>
        <source>{count} device(s) found.</source>
        <translation>找到 {count} 个设备。</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="132"/>
        <source>No Bluetooth meter found. Is it awake and in range?</source>
        <translation>没有找到蓝牙水表。水表是否已唤醒、是否在范围内？</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="154"/>
        <source>Reading {meter}…</source>
        <translation>正在读取 {meter}…</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="162"/>
        <source>Meter {address}: flow {flow}; meter clock {clock}; status {status}</source>
        <translation>水表 {address}：累积流量 {flow}；表内时钟 {clock}；状态 {status}</translation>
    </message>
    <message>
        <location filename="../../desktop/ble_read.py" line="184"/>
        <source>Recorded {value} for {meter}.</source>
        <translation>已记录 {meter} 的读数 {value}。</translation>
    </message>
</context>
<context>
    <name>BranchPage</name>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="173"/>
        <source>This PC&apos;s branch</source>
        <translation>本机所属网点</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="174"/>
        <source>Receipts printed here carry the branch&apos;s code.</source>
        <translation>本机打印的收据以该网点代码编号。</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="181"/>
        <source>(an office PC: no counter)</source>
        <translation>（办公电脑，不收费）</translation>
    </message>
</context>
<context>
    <name>BuildingSwitchDialog</name>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="99"/>
        <source>Switch off a building</source>
        <translation>整栋楼断开</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="99"/>
        <source>Switch on a building</source>
        <translation>整栋楼合闸</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="101"/>
        <source>Ask for approval…</source>
        <translation>提交审批…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="110"/>
        <source>Every account of the building is switched off; accounts under a power hold stay on. Another manager approves before any command is queued.</source>
        <translation>该楼所有户号都将断开，保电的户号保持通电。须另一名管理人员审批后指令才排队。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="115"/>
        <source>Every account of the building is switched on. Another manager approves before any command is queued.</source>
        <translation>该楼所有户号都将合闸。须另一名管理人员审批后指令才排队。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="121"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="131"/>
        <source>Choose the building.</source>
        <translation>请选择楼宇。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="137"/>
        <source>{building}: switching a whole building off needs another manager&apos;s approval. The approving manager signs in here.</source>
        <translation>{building}：整栋楼断开须另一名管理人员审批。请审批的管理人员在此登录。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="142"/>
        <source>{building}: switching a whole building on needs another manager&apos;s approval. The approving manager signs in here.</source>
        <translation>{building}：整栋楼合闸须另一名管理人员审批。请审批的管理人员在此登录。</translation>
    </message>
</context>
<context>
    <name>CancelCommandDialog</name>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="166"/>
        <source>Cancel command {id}</source>
        <translation>取消指令 {id}</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="167"/>
        <source>Cancel the command</source>
        <translation>取消该指令</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="169"/>
        <source>Command:</source>
        <translation>指令：</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="170"/>
        <source>Why it was queued:</source>
        <translation>排队原因：</translation>
    </message>
</context>
<context>
    <name>CancelDialog</name>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="187"/>
        <source>Cancel bill</source>
        <translation>作废账单</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="191"/>
        <source>Cancel the bill {period} of {account}</source>
        <translation>作废账单 {account} {period}</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="195"/>
        <source>Confirm cancel</source>
        <translation>确认作废</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="196"/>
        <source>Bill to be cancelled</source>
        <translation>将作废的账单</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="199"/>
        <source>Paid, to the balance:</source>
        <translation>已缴（转入余额）：</translation>
    </message>
</context>
<context>
    <name>ChoicePage</name>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="56"/>
        <source>Where does this PC keep its data?</source>
        <translation>本机的数据放在哪里？</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="57"/>
        <source>The service center&apos;s database server (normal use)</source>
        <translation>中心数据库服务器（正常使用）</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="59"/>
        <source>An embedded database on this PC only (demo and training)</source>
        <translation>仅本机的嵌入式数据库（演示和培训）</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="63"/>
        <source>It is filled with demo data on the first start: sign in as admin, password admin123.</source>
        <translation>首次启动时填入演示数据：用户名 admin，密码 admin123。</translation>
    </message>
</context>
<context>
    <name>ClassDialog</name>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="115"/>
        <source>New customer class</source>
        <translation>新增用户类别</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="117"/>
        <source>Letters or digits, e.g. shop</source>
        <translation>英文字母或数字，如 shop</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="127"/>
        <source>Class code:</source>
        <translation>类别代码：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="128"/>
        <source>Class name:</source>
        <translation>类别名称：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="129"/>
        <source>WeChat users per account:</source>
        <translation>每户可绑定微信人数：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="130"/>
        <source>Deposit at move-in:</source>
        <translation>开户押金：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="140"/>
        <source>Class code: letters, digits or symbols without spaces, e.g. shop</source>
        <translation>类别代码：请填写英文字母、数字或符号（不含空格），如 shop</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="142"/>
        <source>Class name: enter it, e.g. 商户</source>
        <translation>类别名称：请填写，如 商户</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="144"/>
        <source>Deposit at move-in: enter an amount (0 for none)</source>
        <translation>开户押金：请填写金额（不收填 0）</translation>
    </message>
</context>
<context>
    <name>ClosePage</name>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="316"/>
        <source>Close the account</source>
        <translation>销户</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="322"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="330"/>
        <source>Everything is settled: Finish closes account {no}; it then takes no payment and no bill.</source>
        <translation>已全部结清：点“完成”将户号 {no} 销户，此后不再收款、不再出账。</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="287"/>
        <source>Confirm the replacement</source>
        <translation>确认换表</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="294"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="308"/>
        <source>Old meter {old} ({kind}, account {account}): final reading {final}
New meter {new}: {digits} digits × {mult}, initial reading {initial}
Replaced at {when}</source>
        <translation>旧表 {old}（{kind}，户号 {account}）：止码 {final}
新表 {new}：{digits} 位 × {mult}，起码 {initial}
换表时间 {when}</translation>
    </message>
</context>
<context>
    <name>ControlDialog</name>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="48"/>
        <source>Required: why (kept with who and when)</source>
        <translation>必填：原因（连同操作人和时间留档）</translation>
    </message>
</context>
<context>
    <name>ControlPage</name>
    <message>
        <location filename="../../desktop/control_page.py" line="106"/>
        <source>Prepaid meters</source>
        <translation>预付费表计</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="107"/>
        <source>Pending and failed</source>
        <translation>待发送与失败</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="108"/>
        <source>Policy run</source>
        <translation>费控策略</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="109"/>
        <location filename="../../desktop/control_page.py" line="157"/>
        <source>Power hold</source>
        <translation>保电</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="112"/>
        <source>Send pending commands</source>
        <translation>发送待发指令</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="115"/>
        <source>Send every queued command now over its building&apos;s port</source>
        <translation>立即通过各楼宇的端口发送所有待发送指令</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="120"/>
        <source>Sent %v of %m</source>
        <translation>已发送 %v / %m</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="140"/>
        <source>All campuses</source>
        <translation>全部校区</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="140"/>
        <source>All buildings</source>
        <translation>全部楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="145"/>
        <source>Account no. or holder (from the start)</source>
        <translation>户号或户主（从开头匹配）</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="148"/>
        <source>Campus</source>
        <translation>校区</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="150"/>
        <location filename="../../desktop/control_page.py" line="154"/>
        <location filename="../../desktop/control_page.py" line="224"/>
        <source>Building</source>
        <translation>楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="154"/>
        <location filename="../../desktop/control_page.py" line="188"/>
        <location filename="../../desktop/control_page.py" line="224"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="154"/>
        <location filename="../../desktop/control_page.py" line="188"/>
        <location filename="../../desktop/control_page.py" line="224"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="154"/>
        <location filename="../../desktop/control_page.py" line="189"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="155"/>
        <location filename="../../desktop/control_page.py" line="224"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="155"/>
        <source>Cut off below</source>
        <translation>停电金额</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="155"/>
        <source>Switch</source>
        <translation>通断状态</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="156"/>
        <source>Read back</source>
        <translation>回读时间</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="156"/>
        <source>Last command</source>
        <translation>上次指令</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="156"/>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="157"/>
        <location filename="../../desktop/control_page.py" line="188"/>
        <source>Queued</source>
        <translation>排队时间</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="157"/>
        <location filename="../../desktop/control_page.py" line="191"/>
        <source>Meter&apos;s reply</source>
        <translation>表的应答 / 失败原因</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="163"/>
        <source>Switch off…</source>
        <translation>断开…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="166"/>
        <source>Switch on…</source>
        <translation>合闸…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="169"/>
        <source>Switch off building…</source>
        <translation>整栋楼断开…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="171"/>
        <source>Switch on building…</source>
        <translation>整栋楼合闸…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="173"/>
        <location filename="../../desktop/control_page.py" line="242"/>
        <source>Set power hold…</source>
        <translation>设置保电…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="174"/>
        <location filename="../../desktop/control_page.py" line="243"/>
        <location filename="../../desktop/control_page.py" line="246"/>
        <source>Managers only</source>
        <translation>仅限管理人员</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="188"/>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="189"/>
        <source>Command</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="189"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="189"/>
        <location filename="../../desktop/control_page.py" line="236"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="190"/>
        <source>Requested by</source>
        <translation>申请人</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="190"/>
        <source>Approved by</source>
        <translation>审批人</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="190"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="191"/>
        <source>Attempts</source>
        <translation>次数</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="197"/>
        <source>Retry</source>
        <translation>重发</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="198"/>
        <source>Queue the selected failed command again</source>
        <translation>将所选失败指令重新排队发送</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="200"/>
        <source>Cancel command…</source>
        <translation>取消指令…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="209"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="212"/>
        <source>Who would be warned or switched off now, and why; nothing is changed</source>
        <translation>现在会预警或断开哪些户及原因；不做任何更改</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="215"/>
        <source>Apply…</source>
        <translation>执行…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="218"/>
        <source>Give the warnings; switch-offs are queued once another manager approves</source>
        <translation>发出预警；断开指令须另一名管理人员审批后才排队</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="225"/>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="225"/>
        <source>Step</source>
        <translation>处理</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="225"/>
        <source>Why</source>
        <translation>原因说明</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="225"/>
        <source>Meters</source>
        <translation>表计</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="236"/>
        <source>Protected</source>
        <translation>保电对象</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="236"/>
        <source>Until</source>
        <translation>截止</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="236"/>
        <source>Set by</source>
        <translation>设置人</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="237"/>
        <source>Since</source>
        <translation>设置时间</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="245"/>
        <source>Lift power hold…</source>
        <translation>解除保电…</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="281"/>
        <source>{state} (held at the meter)</source>
        <translation>{state}（表内保电）</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="286"/>
        <source>Valve closed</source>
        <translation>关阀</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="286"/>
        <source>Power off</source>
        <translation>断电</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="288"/>
        <source>Valve open</source>
        <translation>开阀</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="288"/>
        <source>Power on</source>
        <translation>通电</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="289"/>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="328"/>
        <source>Pending and failed ({pending} / {failed})</source>
        <translation>待发送与失败 ({pending} / {failed})</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="336"/>
        <source>Power hold ({count})</source>
        <translation>保电 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="528"/>
        <source>Things changed since the preview: nothing was done. Preview again.</source>
        <translation>预览之后情况已有变化，未做任何处理。请重新预览。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_page.py" line="559"/>
        <source>The policy run switches off {count} accounts ({accounts}). Another manager approves before the commands are queued. The approving manager signs in here.</source>
        <translation>本次费控将断开 {count} 户（{accounts}）。须另一名管理人员审批后指令才排队。请审批的管理人员在此登录。</translation>
    </message>
</context>
<context>
    <name>CorrectDialog</name>
    <message>
        <location filename="../../desktop/readings_review.py" line="38"/>
        <source>Correct reading of {meter}</source>
        <translation>更正 {meter} 的读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="45"/>
        <source>Recorded:</source>
        <translation>原读数：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="46"/>
        <source>Correct figure:</source>
        <translation>更正读数：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="47"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="63"/>
        <source>Correct figure: enter a number of 0 or more</source>
        <translation>更正读数：请填写不小于 0 的数字</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="65"/>
        <source>Reason: say why the figure is corrected</source>
        <translation>原因：请说明更正的原因</translation>
    </message>
</context>
<context>
    <name>CorrectionDialog</name>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="182"/>
        <source>Required: why, as it will be kept</source>
        <translation>必填：更正原因，将留档备查</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="200"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="221"/>
        <source>Type the reason.</source>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="237"/>
        <source>Above {limit}: another manager approves before it is done.</source>
        <translation>超过 {limit} 元：须另一名管理人员审批后办理。</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="243"/>
        <source>Within {limit}: no second approval needed.</source>
        <translation>未超过 {limit} 元：无需另一名管理人员审批。</translation>
    </message>
    <message>
        <location filename="../../desktop/approval_dialog.py" line="262"/>
        <source>{what}: {amount} yuan is above {limit} yuan and needs another manager&apos;s approval. The approving manager signs in here.</source>
        <translation>{what}：金额 {amount} 元超过 {limit} 元，须另一名管理人员审批。请审批人在此登录。</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="98"/>
        <source>Collected today</source>
        <translation>今日收费</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="99"/>
        <source>This month billed / collected</source>
        <translation>本月应收 / 实收</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="100"/>
        <source>Arrears</source>
        <translation>欠费总额</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="101"/>
        <source>Readings to review</source>
        <translation>待审核读数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="102"/>
        <source>Bindings to review</source>
        <translation>待审核绑定</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="103"/>
        <source>Open requests</source>
        <translation>未办结报修咨询</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="117"/>
        <source>Largest losses (master vs sub-meters)</source>
        <translation>损耗最大的总分表</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="187"/>
        <source>{period}, recovered {rate}</source>
        <translation>{period}，回收率 {rate}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="193"/>
        <source>{count} accounts</source>
        <translation>共 {count} 户</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="202"/>
        <source>{count} past the deadline</source>
        <translation>{count} 件已超期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="215"/>
        <source>As of {time}</source>
        <translation>数据截至 {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="220"/>
        <source>Billed</source>
        <translation>应收</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="220"/>
        <source>Collected</source>
        <translation>实收</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="229"/>
        <source>Billed and collected, 12 months (yuan)</source>
        <translation>近 12 个月应收与实收（元）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="250"/>
        <source>Usage, 12 months</source>
        <translation>近 12 个月用量</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard_page.py" line="254"/>
        <source>{title} — no data yet</source>
        <translation>{title}（暂无数据）</translation>
    </message>
</context>
<context>
    <name>DatabaseInfo</name>
    <message>
        <location filename="../../desktop/connection.py" line="22"/>
        <source>Embedded demo database</source>
        <translation>嵌入式演示数据库</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="23"/>
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
        <location filename="../../desktop/document_dialog.py" line="128"/>
        <source>Save PDF</source>
        <translation>保存 PDF</translation>
    </message>
</context>
<context>
    <name>EntryModel</name>
    <message>
        <location filename="../../desktop/readings_entry.py" line="84"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="84"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="84"/>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="84"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="85"/>
        <source>Previous</source>
        <translation>上次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="85"/>
        <source>Previous date</source>
        <translation>上次日期</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="85"/>
        <source>Current reading</source>
        <translation>本次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="86"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="86"/>
        <source>Check</source>
        <translation>校验</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="137"/>
        <source>held for review</source>
        <translation>待审核</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="137"/>
        <source>saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="140"/>
        <source>{reason}: will be held for review</source>
        <translation>{reason}：保存后将转入审核</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="205"/>
        <source>{meter}: the reading is not a number</source>
        <translation>{meter}：读数不是数字</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="208"/>
        <source>{meter}: at most 3 decimals</source>
        <translation>{meter}：读数最多 3 位小数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="213"/>
        <source>{meter}: only {digits} digits</source>
        <translation>{meter}：表计只有 {digits} 位，读数超出量程</translation>
    </message>
</context>
<context>
    <name>EntryTab</name>
    <message>
        <location filename="../../desktop/readings_entry.py" line="277"/>
        <source>Save (Ctrl+S)</source>
        <translation>保存 (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="282"/>
        <source>Amber: check the figure again · Red: will be held for review</source>
        <translation>黄色：请再核对 · 红色：将转入审核</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="286"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="288"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="290"/>
        <source>Read on:</source>
        <translation>抄表日期：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="352"/>
        <source>{count} meters, {typed} typed, {held} to be held, {warned} to check</source>
        <translation>共 {count} 块表，已录 {typed} 块，待审核 {held} 块，需核对 {warned} 块</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_entry.py" line="368"/>
        <location filename="../../desktop/readings_entry.py" line="389"/>
        <source>Not saved</source>
        <translation>未保存</translation>
    </message>
</context>
<context>
    <name>ExchangePage</name>
    <message>
        <location filename="../../desktop/exchange_page.py" line="87"/>
        <source>Remote readings</source>
        <translation>远传读数</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="88"/>
        <source>Route sheets</source>
        <translation>抄表卡</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="89"/>
        <source>Account changes</source>
        <translation>户号变更</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="102"/>
        <source>Since</source>
        <translation>设置时间</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="108"/>
        <source>Pull</source>
        <translation>拉取</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="110"/>
        <source>Fetch the energy platform&apos;s readings and record them</source>
        <translation>从能耗平台拉取读数并入库</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="112"/>
        <source>Import file…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="113"/>
        <source>The platform&apos;s CSV or Excel export</source>
        <translation>平台导出的 CSV 或 Excel 文件</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="116"/>
        <source>Pull the platform&apos;s readings, or import its exported file.</source>
        <translation>拉取平台读数，或导入平台导出的文件。</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="122"/>
        <source>Retry</source>
        <translation>重发</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="126"/>
        <source>Line</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="126"/>
        <source>Hardware no.</source>
        <translation>硬件号</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="126"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="126"/>
        <source>Reading</source>
        <translation>读数</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="127"/>
        <source>Read at</source>
        <translation>抄表时间</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="127"/>
        <location filename="../../desktop/exchange_page.py" line="183"/>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="127"/>
        <location filename="../../desktop/exchange_page.py" line="184"/>
        <source>Message</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="146"/>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="147"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="150"/>
        <source>The building&apos;s route sheet with each meter&apos;s expected range</source>
        <translation>本楼的抄表卡，列出每块表的本月预计范围</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="157"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="159"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="161"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="169"/>
        <source>The billing system&apos;s workbook of account changes (.xlsx)</source>
        <translation>收费系统导出的户号变更工作簿（.xlsx）</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="172"/>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="175"/>
        <source>Judge every row as an import would; write nothing</source>
        <translation>逐行按导入判断，不写入任何数据</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="179"/>
        <source>Pick the workbook, then Dry run to see what it would do, then Import.</source>
        <translation>选择工作簿，先预检查看结果，再导入。</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="183"/>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="183"/>
        <source>Change</source>
        <translation>变更</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="183"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="188"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="237"/>
        <source>Fetching the platform&apos;s readings…</source>
        <translation>正在拉取平台读数…</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="243"/>
        <source>Remote readings export</source>
        <translation>远传导出文件</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="250"/>
        <location filename="../../desktop/exchange_page.py" line="325"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="300"/>
        <source>Route sheet {building}</source>
        <translation>抄表卡 {building}</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="311"/>
        <source>Account changes workbook</source>
        <translation>户号变更工作簿</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="322"/>
        <source>File not found: {path}</source>
        <translation>找不到文件：{path}</translation>
    </message>
    <message>
        <location filename="../../desktop/exchange_page.py" line="325"/>
        <source>Checking {name}…</source>
        <translation>正在预检 {name}…</translation>
    </message>
</context>
<context>
    <name>FinalReadingPage</name>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="140"/>
        <source>Final reading of the old meter</source>
        <translation>旧表止码</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="147"/>
        <source>Final reading:</source>
        <translation>止码：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="148"/>
        <source>Replaced at:</source>
        <translation>换表时间：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="170"/>
        <source>Final reading: required</source>
        <translation>止码：必填</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="172"/>
        <source>Final reading: meter {no} has only {digits} digits</source>
        <translation>止码：表计 {no} 只有 {digits} 位</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="176"/>
        <source>Final reading: below the last reading {last}</source>
        <translation>止码：低于上次读数 {last}</translation>
    </message>
</context>
<context>
    <name>HandOverDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="58"/>
        <source>Hand cash over</source>
        <translation>交款</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="68"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="69"/>
        <source>Handed to:</source>
        <translation>交给：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="70"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="77"/>
        <source>Nobody of this branch can receive cash: ask an administrator to give the branch a head cashier</source>
        <translation>本分中心没有可接收交款的收费组长或管理人员，请联系系统管理员设置</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="89"/>
        <source>Enter the amount handed over</source>
        <translation>请输入交款金额</translation>
    </message>
</context>
<context>
    <name>HandheldPage</name>
    <message>
        <location filename="../../desktop/handheld_page.py" line="89"/>
        <source>The terminal&apos;s export file (DBF/CSV/TXT/XLS/XLSX) — or drop it here</source>
        <translation>掌上机导出文件（DBF/CSV/TXT/XLS/XLSX），也可直接拖到此处</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="92"/>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="97"/>
        <source>Profiles…</source>
        <translation>导入方案…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="100"/>
        <source>Judge every line as an import would; write nothing</source>
        <translation>按导入的规则逐行检查，不写入</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="107"/>
        <source>Line</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="107"/>
        <source>Hardware no.</source>
        <translation>硬件号</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="107"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="107"/>
        <source>Reading</source>
        <translation>读数</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="108"/>
        <source>Read at</source>
        <translation>抄表时间</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="108"/>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="108"/>
        <source>Message</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="110"/>
        <source>Export result to Excel…</source>
        <translation>导出结果到 Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="114"/>
        <source>Route for the terminal</source>
        <translation>下发抄表路线</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="117"/>
        <source>All kinds</source>
        <translation>全部表类</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="118"/>
        <source>Export route…</source>
        <translation>导出路线…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="120"/>
        <source>The building&apos;s meters in the chosen profile&apos;s format</source>
        <translation>按所选方案的格式导出该楼的表计</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="124"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="126"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="133"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="137"/>
        <source>Profile:</source>
        <translation>方案：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="166"/>
        <source>Import and route</source>
        <translation>导入与路线</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="167"/>
        <source>Bench read</source>
        <translation>台架读表</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="232"/>
        <source>Handheld export file</source>
        <translation>掌上机导出文件</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="273"/>
        <location filename="../../desktop/handheld_page.py" line="288"/>
        <source>Handheld import</source>
        <translation>掌上机导入</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="274"/>
        <source>File not found: {path}</source>
        <translation>找不到文件：{path}</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="278"/>
        <source>Checking {name}…</source>
        <translation>正在预检 {name}…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="278"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="299"/>
        <source>Pick the terminal&apos;s file and a profile, then Dry run or Import.</source>
        <translation>选择掌上机文件和导入方案，然后点“预检”或“导入”。</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="318"/>
        <source>Export result</source>
        <translation>导出导入结果</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_page.py" line="344"/>
        <source>Save route</source>
        <translation>保存抄表路线</translation>
    </message>
</context>
<context>
    <name>InitialReadingPage</name>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="257"/>
        <source>Initial reading of the new meter</source>
        <translation>新表起码</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="262"/>
        <source>Initial reading:</source>
        <translation>起码：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="272"/>
        <source>Initial reading: required</source>
        <translation>起码：必填</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="274"/>
        <source>Initial reading: the new meter has only {digits} digits</source>
        <translation>起码：新表只有 {digits} 位</translation>
    </message>
</context>
<context>
    <name>LabelsPage</name>
    <message>
        <location filename="../../desktop/labels_page.py" line="93"/>
        <source>Meters</source>
        <translation>表计</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="94"/>
        <source>By building</source>
        <translation>按楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="95"/>
        <source>By meter numbers</source>
        <translation>按表号</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="103"/>
        <source>All kinds</source>
        <translation>全部表类</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="107"/>
        <source>Meter numbers (or hardware numbers), one a line or separated by commas</source>
        <translation>表号（或硬件号），每行一个或用逗号分隔</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="111"/>
        <source>Pick</source>
        <translation>选取</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="114"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="114"/>
        <source>Kind</source>
        <translation>表类</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="114"/>
        <source>Campus</source>
        <translation>校区</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="114"/>
        <source>Building</source>
        <translation>楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="115"/>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="115"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="115"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="115"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="140"/>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="142"/>
        <source>Optional top line, e.g. the centre&apos;s name</source>
        <translation>顶行文字（可不填），如单位名称</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="145"/>
        <source>Width x height in millimetres</source>
        <translation>宽x高（毫米）</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="148"/>
        <source>Roll (one label a page)</source>
        <translation>卷纸（每页一张）</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="149"/>
        <source>A4 sheet</source>
        <translation>A4 整张</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="153"/>
        <source>Preview…</source>
        <translation>预览…</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="158"/>
        <source>Top line:</source>
        <translation>顶行：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="159"/>
        <source>Size (mm):</source>
        <translation>尺寸（毫米）：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="160"/>
        <source>Paper:</source>
        <translation>纸张：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="165"/>
        <location filename="../../desktop/labels_page.py" line="454"/>
        <source>Label printer</source>
        <translation>标签打印机</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="172"/>
        <source>socket://host:9100 (network), COM3 or /dev/ttyUSB0 (serial), or a file path</source>
        <translation>socket://主机:9100（网络）、COM3 或 /dev/ttyUSB0（串口），或文件路径</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="183"/>
        <source>Print labels</source>
        <translation>打印标签</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="185"/>
        <source>Reprint last</source>
        <translation>重打上一批</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="192"/>
        <source>Language:</source>
        <translation>指令语言：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="193"/>
        <source>Send to:</source>
        <translation>发送到：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="194"/>
        <source>Resolution:</source>
        <translation>分辨率：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="195"/>
        <source>Gap:</source>
        <translation>间隙：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="196"/>
        <source>Copies:</source>
        <translation>份数：</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="279"/>
        <source>{count} meters; {chosen} selected (only those are printed)</source>
        <translation>共 {count} 块表；已选 {chosen} 块（只打印所选）</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="283"/>
        <source>{count} meters</source>
        <translation>共 {count} 块表</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="397"/>
        <source>Meter labels</source>
        <translation>表计标签</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="430"/>
        <source>Sending {count} labels to {where}…</source>
        <translation>正在发送 {count} 张标签到 {where}…</translation>
    </message>
    <message>
        <location filename="../../desktop/labels_page.py" line="443"/>
        <source>{count} labels sent to {where} ({size} bytes).</source>
        <translation>已发送 {count} 张标签到 {where}（{size} 字节）。</translation>
    </message>
</context>
<context>
    <name>LateFeeDialog</name>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="36"/>
        <source>Late-fee policy</source>
        <translation>滞纳金规则</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="41"/>
        <source>Charge late fees</source>
        <translation>收取滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="45"/>
        <source>0.001 is 1‰ a day</source>
        <translation>0.001 即每日千分之一</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="48"/>
        <source>Blank: no cap</source>
        <translation>留空表示不封顶</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="63"/>
        <source>Customer class:</source>
        <translation>用户类别：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="65"/>
        <source>Grace days:</source>
        <translation>宽限天数：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="66"/>
        <source>Daily rate:</source>
        <translation>日费率：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="67"/>
        <source>Minimum:</source>
        <translation>最低金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="68"/>
        <source>Cap:</source>
        <translation>封顶金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="69"/>
        <source>Effective from:</source>
        <translation>生效日期：</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="98"/>
        <source>Minimum: enter an amount (0 for none)</source>
        <translation>最低金额：请填写金额（无则填 0）</translation>
    </message>
    <message>
        <location filename="../../desktop/class_dialogs.py" line="100"/>
        <source>Cap: it is below the minimum</source>
        <translation>封顶金额：低于最低金额</translation>
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
        <location filename="../../desktop/main_window.py" line="121"/>
        <source>MeterDesk Metering &amp; Billing</source>
        <translation>MeterDesk 水电计量收费系统</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="139"/>
        <source>Home</source>
        <translation>首页</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="221"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="222"/>
        <source>My &amp;profile…</source>
        <translation>个人信息(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="226"/>
        <source>&amp;Database connection…</source>
        <translation>数据库连接(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="230"/>
        <source>Sign &amp;out</source>
        <translation>注销(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="233"/>
        <source>S&amp;witch user…</source>
        <translation>切换用户(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="237"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="244"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="245"/>
        <source>&amp;Home</source>
        <translation>首页(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="261"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="262"/>
        <source>Receipt paper</source>
        <translation>收据纸张</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="264"/>
        <source>A5 sheet</source>
        <translation>A5 单页纸</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="264"/>
        <source>Continuous form 241 × 93 mm</source>
        <translation>连续打印纸 241 × 93 mm</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="276"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="277"/>
        <source>Export &amp;diagnostics…</source>
        <translation>导出诊断信息(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="280"/>
        <source>&amp;About MeterDesk</source>
        <translation>关于 MeterDesk(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="298"/>
        <source>Export diagnostics</source>
        <translation>导出诊断信息</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="325"/>
        <source>Database connection</source>
        <translation>数据库连接</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="326"/>
        <source>Saved. MeterDesk uses the new settings from its next start.</source>
        <translation>已保存。MeterDesk 下次启动时使用新设置。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="338"/>
        <source>User: {name} ({login})</source>
        <translation>当前用户：{name}（{login}）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="341"/>
        <source>Branch: {branch}</source>
        <translation>分中心：{branch}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="342"/>
        <source>(none)</source>
        <translation>（未分配）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="347"/>
        <source>Database: {label}</source>
        <translation>数据库：{label}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="349"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="354"/>
        <source>Connection to the database lost — reconnecting…</source>
        <translation>数据库连接中断，正在重新连接…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="384"/>
        <source>&lt;h3&gt;MeterDesk {version}&lt;/h3&gt;&lt;p&gt;Water &amp; electricity metering and billing for the university service center.&lt;/p&gt;&lt;p&gt;Database: {database}&lt;br&gt;Qt {qt}&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MeterDesk {version}&lt;/h3&gt;&lt;p&gt;高校水电保障中心水电计量收费系统。&lt;/p&gt;&lt;p&gt;数据库：{database}&lt;br&gt;Qt {qt}&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="393"/>
        <source>About MeterDesk</source>
        <translation>关于 MeterDesk</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="428"/>
        <source>The day is still open</source>
        <translation>尚未日结</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="430"/>
        <source>Your till is not closed yet. Leave anyway? Close the day first if you are done taking money.</source>
        <translation>您的班次尚未日结。仍要离开吗？如已收款完毕，请先日结。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="433"/>
        <source>Leave</source>
        <translation>离开</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="433"/>
        <source>Stay</source>
        <translation>留下</translation>
    </message>
</context>
<context>
    <name>MeterDialog</name>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="91"/>
        <source>Register a meter</source>
        <translation>登记表计</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="102"/>
        <source>The account it is billed to</source>
        <translation>计费的户号</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="106"/>
        <source>e.g. pipe shaft, 3rd floor</source>
        <translation>如：3 层管道井</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="112"/>
        <source>Meter no.:</source>
        <translation>表号：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="113"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="114"/>
        <source>Digits:</source>
        <translation>位数：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="115"/>
        <source>Multiplier:</source>
        <translation>倍率：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="116"/>
        <source>Model:</source>
        <translation>型号：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="117"/>
        <source>Hardware no.:</source>
        <translation>硬件号：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="118"/>
        <source>Account no.:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="119"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="120"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="121"/>
        <source>Location:</source>
        <translation>安装位置：</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="145"/>
        <source>Meter no.: 1–32 letters, digits or dashes</source>
        <translation>表号：须为 1–32 位字母、数字或横线</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="147"/>
        <source>Multiplier: a number greater than 0</source>
        <translation>倍率：须为大于 0 的数</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="149"/>
        <source>Hardware no.: up to 32 letters, digits or dashes</source>
        <translation>硬件号：最多 32 位字母、数字或横线</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="151"/>
        <source>Account no. or building: give at least one</source>
        <translation>户号或楼宇：至少填写一项</translation>
    </message>
    <message>
        <location filename="../../desktop/meter_dialogs.py" line="153"/>
        <source>Location: at most 200 characters</source>
        <translation>安装位置：最多 200 个字</translation>
    </message>
</context>
<context>
    <name>MetersPage</name>
    <message>
        <location filename="../../desktop/meters_page.py" line="91"/>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="95"/>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="100"/>
        <source>Meter, hardware or account no. (Ctrl+F)</source>
        <translation>表号、硬件号或户号 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="105"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="105"/>
        <source>Hardware no.</source>
        <translation>硬件号</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="105"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="105"/>
        <source>Campus</source>
        <translation>校区</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="106"/>
        <source>Building</source>
        <translation>楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="106"/>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="106"/>
        <source>Location</source>
        <translation>安装位置</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="106"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="107"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="107"/>
        <source>Digits</source>
        <translation>位数</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="107"/>
        <source>Multiplier</source>
        <translation>倍率</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="107"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="108"/>
        <source>Last reading</source>
        <translation>最近读数</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="108"/>
        <source>Installed</source>
        <translation>安装日期</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="108"/>
        <source>Master meter</source>
        <translation>上级表号</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="118"/>
        <source>Register… (Ctrl+N)</source>
        <translation>登记… (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="119"/>
        <source>Hardware no.… (F2)</source>
        <translation>硬件号… (F2)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="120"/>
        <source>Location… (Ctrl+L)</source>
        <translation>安装位置… (Ctrl+L)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="121"/>
        <source>Master meter… (Ctrl+M)</source>
        <translation>上级表… (Ctrl+M)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="122"/>
        <source>Replace… (Ctrl+R)</source>
        <translation>换表… (Ctrl+R)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="123"/>
        <source>Export Excel… (Ctrl+E)</source>
        <translation>导出 Excel… (Ctrl+E)</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="133"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="134"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="135"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="136"/>
        <source>Status:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="88"/>
        <source>All campuses</source>
        <translation>全部校区</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="88"/>
        <source>All buildings</source>
        <translation>全部楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="241"/>
        <source>{total} meters</source>
        <translation>共 {total} 个</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="243"/>
        <source>, the first {shown} shown: narrow the filters</source>
        <translation>，只显示前 {shown} 个：请缩小筛选范围</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="290"/>
        <source>Hardware no.: up to 32 letters, digits or dashes</source>
        <translation>硬件号：最多 32 位字母、数字或横线</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="294"/>
        <source>Hardware no. of meter {no}</source>
        <translation>表计 {no} 的硬件号</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="295"/>
        <source>Hardware no.:</source>
        <translation>硬件号：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="321"/>
        <source>Location: at most 200 characters</source>
        <translation>安装位置：最多 200 个字</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="324"/>
        <source>Location of meter {no}</source>
        <translation>表计 {no} 的安装位置</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="325"/>
        <source>Location:</source>
        <translation>安装位置：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="351"/>
        <source>Master meter: a meter no., up to 32 letters, digits or dashes</source>
        <translation>上级表号：表号，最多 32 位字母、数字或横线</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="353"/>
        <source>Master meter: not the meter itself</source>
        <translation>上级表号：不能是本表</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="357"/>
        <source>Master meter of meter {no} (blank: none)</source>
        <translation>表计 {no} 的上级表（留空：无）</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="358"/>
        <source>Master meter no.:</source>
        <translation>上级表号：</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="384"/>
        <source>Meters</source>
        <translation>表计</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="404"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <location filename="../../desktop/meters_page.py" line="414"/>
        <source>Meter registry</source>
        <translation>表计台账</translation>
    </message>
</context>
<context>
    <name>MismatchDialog</name>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="83"/>
        <source>The claim does not match the record</source>
        <translation>户主信息核对不一致</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="85"/>
        <source>Account {account}: {what}</source>
        <translation>户号 {account}：{what}</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="94"/>
        <source>Approving lets this WeChat user see the account&apos;s bills and submit its readings. Approve only after checking with the holder.</source>
        <translation>通过后，该微信用户可以查看此户的账单并提交抄表读数。请先与户主核实后再通过。</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="101"/>
        <source>How it was checked (e.g. called the holder on the mobile on record)</source>
        <translation>如何核实的（如：已拨打预留手机与户主确认）</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="105"/>
        <source>Approve anyway</source>
        <translation>仍然通过</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="116"/>
        <source>Note (kept in the audit log):</source>
        <translation>核实说明（记入审计日志）：</translation>
    </message>
</context>
<context>
    <name>ModulePage</name>
    <message>
        <location filename="../../desktop/module_page.py" line="92"/>
        <source>Refresh (F5)</source>
        <translation>刷新 (F5)</translation>
    </message>
    <message>
        <location filename="../../desktop/module_page.py" line="104"/>
        <source>Dry run</source>
        <translation>预检</translation>
    </message>
    <message>
        <location filename="../../desktop/module_page.py" line="107"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
</context>
<context>
    <name>Modules</name>
    <message>
        <location filename="../../desktop/modules.py" line="54"/>
        <source>Counter</source>
        <translation>收费台</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="61"/>
        <source>Accounts</source>
        <translation>用户信息管理</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="67"/>
        <source>Meters</source>
        <translation>表计</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="73"/>
        <source>Readings</source>
        <translation>抄表</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="79"/>
        <source>Tariffs</source>
        <translation>价格管理</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="85"/>
        <source>Billing</source>
        <translation>账务管理</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="91"/>
        <source>Handheld import</source>
        <translation>掌上机导入</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="98"/>
        <source>Barcode labels</source>
        <translation>条码标签</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="105"/>
        <source>Online payments</source>
        <translation>在线支付</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="113"/>
        <source>Data exchange</source>
        <translation>数据交换</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="120"/>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="126"/>
        <source>Resident services</source>
        <translation>用户服务</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="132"/>
        <source>Reminders and messages</source>
        <translation>催缴与消息</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="139"/>
        <source>Prepaid control</source>
        <translation>费控</translation>
    </message>
    <message>
        <location filename="../../desktop/modules.py" line="146"/>
        <source>Administration</source>
        <translation>系统管理</translation>
    </message>
</context>
<context>
    <name>MoveOutWizard</name>
    <message>
        <location filename="../../desktop/move_out_wizard.py" line="80"/>
        <source>Move out {no}</source>
        <translation>退房结算 {no}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_wizard.py" line="115"/>
        <source>To pay: {amount}</source>
        <translation>应缴：{amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_wizard.py" line="117"/>
        <source>Refundable: {amount}</source>
        <translation>可退：{amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_wizard.py" line="118"/>
        <source>Settled: nothing owed, nothing to refund</source>
        <translation>已结清：无欠费，无需退款</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_wizard.py" line="230"/>
        <source>Refund form {no} issued</source>
        <translation>已开退款单 {no}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_wizard.py" line="206"/>
        <source>Payment taken</source>
        <translation>已收款</translation>
    </message>
</context>
<context>
    <name>NewMeterPage</name>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="191"/>
        <source>New meter</source>
        <translation>新表</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="192"/>
        <source>It takes over the old meter&apos;s account and place.</source>
        <translation>新表沿用旧表的户号和安装位置。</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="203"/>
        <source>Meter no.:</source>
        <translation>表号：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="204"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="205"/>
        <source>Digits:</source>
        <translation>位数：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="206"/>
        <source>Multiplier:</source>
        <translation>倍率：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="207"/>
        <source>Model:</source>
        <translation>型号：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="208"/>
        <source>Hardware no.:</source>
        <translation>硬件号：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="228"/>
        <source>Meter no.: 1–32 letters, digits or dashes</source>
        <translation>表号：须为 1–32 位字母、数字或横线</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="230"/>
        <source>Meter no.: the new meter needs a number of its own</source>
        <translation>表号：新表须有自己的表号</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="232"/>
        <source>Multiplier: a number greater than 0</source>
        <translation>倍率：须为大于 0 的数</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="234"/>
        <source>Hardware no.: up to 32 letters, digits or dashes</source>
        <translation>硬件号：最多 32 位字母、数字或横线</translation>
    </message>
</context>
<context>
    <name>NoticeDialog</name>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="38"/>
        <source>Publish a notice</source>
        <translation>发布通知</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="58"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="59"/>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="60"/>
        <source>Text:</source>
        <translation>正文：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="61"/>
        <source>From:</source>
        <translation>开始时间：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="62"/>
        <source>Until:</source>
        <translation>结束时间：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_dialogs.py" line="63"/>
        <source>Buildings affected:</source>
        <translation>受影响的楼栋：</translation>
    </message>
</context>
<context>
    <name>NoticeExport</name>
    <message>
        <location filename="../../desktop/notice_export.py" line="78"/>
        <location filename="../../desktop/notice_export.py" line="116"/>
        <source>Payment notices</source>
        <translation>缴款通知单</translation>
    </message>
    <message>
        <location filename="../../desktop/notice_export.py" line="79"/>
        <source>Reading the bills…</source>
        <translation>正在读取账单…</translation>
    </message>
    <message>
        <location filename="../../desktop/notice_export.py" line="96"/>
        <source>Notice {done} / {total}</source>
        <translation>通知单 {done} / {total}</translation>
    </message>
</context>
<context>
    <name>OldMeterPage</name>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="61"/>
        <source>Old meter</source>
        <translation>旧表</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="62"/>
        <source>The meter taken off: type or scan its number.</source>
        <translation>换下的表：输入或扫描表号。</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="75"/>
        <source>Meter no.:</source>
        <translation>表号：</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="103"/>
        <source>{kind} · {place} · account {account} {holder} · {digits} digits × {mult} · last reading {last}</source>
        <translation>{kind} · {place} · 户号 {account} {holder} · {digits} 位 × {mult} · 最近读数 {last}</translation>
    </message>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="116"/>
        <source>Meter {no} is {status}: only a meter in use can be replaced</source>
        <translation>表计 {no} {status}：只有在用的表才能换表</translation>
    </message>
</context>
<context>
    <name>OnlinePayPage</name>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="67"/>
        <source>Receipts for online payments</source>
        <translation>在线缴费换开收据</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="68"/>
        <source>Payments kept aside</source>
        <translation>待处理支付</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="69"/>
        <source>Reconciliation</source>
        <translation>对账</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="79"/>
        <source>Account no., order no. or trade no. (Enter)</source>
        <translation>户号、订单号或支付流水号 (Enter)</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="82"/>
        <source>Paid at</source>
        <translation>支付时间</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="82"/>
        <location filename="../../desktop/online_pay_page.py" line="156"/>
        <location filename="../../desktop/online_pay_page.py" line="228"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="82"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="82"/>
        <location filename="../../desktop/online_pay_page.py" line="156"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="83"/>
        <location filename="../../desktop/online_pay_page.py" line="155"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="83"/>
        <location filename="../../desktop/online_pay_page.py" line="156"/>
        <location filename="../../desktop/online_pay_page.py" line="228"/>
        <source>Trade no.</source>
        <translation>支付流水号</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="83"/>
        <location filename="../../desktop/online_pay_page.py" line="155"/>
        <location filename="../../desktop/online_pay_page.py" line="228"/>
        <source>Order no.</source>
        <translation>订单号</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="84"/>
        <location filename="../../desktop/online_pay_page.py" line="137"/>
        <source>Receipt</source>
        <translation>收据号</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="84"/>
        <source>Issuing branch</source>
        <translation>换开网点</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="87"/>
        <source>Issue receipt (F9)</source>
        <translation>开具收据 (F9)</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="155"/>
        <source>Kept since</source>
        <translation>挂起时间</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="155"/>
        <source>Why</source>
        <translation>原因说明</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="156"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="158"/>
        <source>Credit the account…</source>
        <translation>转入用户账户…</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="160"/>
        <source>Refunded…</source>
        <translation>已退款…</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="186"/>
        <source>Payments kept aside ({count})</source>
        <translation>待处理支付 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="194"/>
        <source>Refund reference and note:</source>
        <translation>退款流水号及说明：</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="196"/>
        <source>Why the money goes to the account:</source>
        <translation>转入账户的理由：</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="198"/>
        <source>Decide</source>
        <translation>处理</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="221"/>
        <source>Import the day&apos;s statement…</source>
        <translation>导入当日对账单…</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="223"/>
        <source>Export Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="228"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="229"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="229"/>
        <source>Statement</source>
        <translation>对账单金额</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="229"/>
        <source>Ours</source>
        <translation>本系统金额</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="229"/>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="232"/>
        <source>Provider:</source>
        <translation>支付渠道：</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="240"/>
        <source>The provider&apos;s statement</source>
        <translation>支付渠道对账单</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="259"/>
        <source>{provider} {first} – {last}: statement {statement}, ours {ours}; {unexplained} lines to look into</source>
        <translation>{provider} {first} 至 {last}：对账单 {statement}，本系统 {ours}；{unexplained} 笔待核查</translation>
    </message>
    <message>
        <location filename="../../desktop/online_pay_page.py" line="286"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
</context>
<context>
    <name>OpenTillDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="32"/>
        <source>Open the day</source>
        <translation>开班</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="34"/>
        <source>Cash left at the last close</source>
        <translation>默认为上次日结留存的现金</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="36"/>
        <source>Float:</source>
        <translation>备用金：</translation>
    </message>
</context>
<context>
    <name>PayPage</name>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="238"/>
        <source>Pay or refund</source>
        <translation>缴费或退款</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="253"/>
        <source>Pay by:</source>
        <translation>缴费方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="254"/>
        <source>Serial or cheque no.:</source>
        <translation>流水号/票号：</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="255"/>
        <source>Bank:</source>
        <translation>银行：</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="281"/>
        <source>Take {amount}</source>
        <translation>收款 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="284"/>
        <source>Refund {amount}…</source>
        <translation>退款 {amount}…</translation>
    </message>
</context>
<context>
    <name>PaymentBox</name>
    <message>
        <location filename="../../desktop/counter_payment.py" line="56"/>
        <source>Take payment</source>
        <translation>收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="75"/>
        <source>Take payment (F9)</source>
        <translation>收款 (F9)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="86"/>
        <source>Owed:</source>
        <translation>应缴：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="87"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="88"/>
        <source>Channel:</source>
        <translation>收款方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="89"/>
        <source>Reference:</source>
        <translation>票据号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="91"/>
        <source>Bank:</source>
        <translation>银行：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="92"/>
        <source>Tendered:</source>
        <translation>实收：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="93"/>
        <source>Change:</source>
        <translation>找零：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="130"/>
        <source>Cheque no.:</source>
        <translation>支票号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="130"/>
        <source>Bank serial no.:</source>
        <translation>银行流水号：</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="150"/>
        <source>Tendered is less than the amount</source>
        <translation>实收少于收款金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="203"/>
        <source>Check the amount</source>
        <translation>请核对金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="204"/>
        <source>Take {amount} from {holder} ({account}), who owes {owed}?</source>
        <translation>确定向 {holder}（{account}）收取 {amount} 吗？该户应缴 {owed}。</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="210"/>
        <source>Take it</source>
        <translation>确认收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="210"/>
        <source>Correct the amount</source>
        <translation>修改金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="232"/>
        <source>Payment not taken</source>
        <translation>未能收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="238"/>
        <source>Payment not confirmed</source>
        <translation>收款未确认</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_payment.py" line="240"/>
        <source>The connection to the database was lost before the payment was confirmed: it may have been taken or not. Press Take payment again once the connection is back; it is sent as the same payment and is never taken twice.</source>
        <translation>收款确认前与数据库的连接中断：这笔收款可能已入账，也可能没有。连接恢复后再按“收款”即可；它作为同一笔收款发送，绝不会重复收取。</translation>
    </message>
</context>
<context>
    <name>PhotoDialog</name>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="155"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="164"/>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="165"/>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="166"/>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="167"/>
        <source>Rotate left</source>
        <translation>向左旋转</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="168"/>
        <source>Rotate right</source>
        <translation>向右旋转</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="178"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>PhotoPanel</name>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="211"/>
        <location filename="../../desktop/photo_viewer.py" line="240"/>
        <location filename="../../desktop/photo_viewer.py" line="250"/>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="217"/>
        <source>View…</source>
        <translation>查看…</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="242"/>
        <source>Loading photo…</source>
        <translation>正在加载照片…</translation>
    </message>
    <message>
        <location filename="../../desktop/photo_viewer.py" line="254"/>
        <source>The photo cannot be shown</source>
        <translation>照片无法显示</translation>
    </message>
</context>
<context>
    <name>PrintPage</name>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="298"/>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="299"/>
        <source>Final bill notice…</source>
        <translation>结算账单通知单…</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="301"/>
        <source>Refund form…</source>
        <translation>退款单…</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="45"/>
        <source>My profile</source>
        <translation>个人信息</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="49"/>
        <source>Who</source>
        <translation>基本信息</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="52"/>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="53"/>
        <source>Login name:</source>
        <translation>登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="54"/>
        <source>Department:</source>
        <translation>部门：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="55"/>
        <source>Post:</source>
        <translation>岗位：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="56"/>
        <source>Branch:</source>
        <translation>分中心：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="61"/>
        <source>Contact</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="68"/>
        <source>Mobile:</source>
        <translation>手机：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="69"/>
        <source>Office phone:</source>
        <translation>办公电话：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="70"/>
        <source>Email:</source>
        <translation>电子邮箱：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="71"/>
        <source>WeChat id:</source>
        <translation>微信号：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="76"/>
        <source>Change password (leave empty to keep it)</source>
        <translation>修改密码（不修改请留空）</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="82"/>
        <source>Current password:</source>
        <translation>原密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="83"/>
        <source>New password:</source>
        <translation>新密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="84"/>
        <source>New password again:</source>
        <translation>再次输入新密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="133"/>
        <source>Type the current password to change it</source>
        <translation>修改密码须输入原密码</translation>
    </message>
    <message>
        <location filename="../../desktop/profile_dialog.py" line="135"/>
        <source>The two new passwords differ</source>
        <translation>两次输入的新密码不一致</translation>
    </message>
</context>
<context>
    <name>ProfilesDialog</name>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="75"/>
        <source>Handheld import profiles</source>
        <translation>掌上机导入方案</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="85"/>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="87"/>
        <source>Copy to edit…</source>
        <translation>复制后修改…</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="96"/>
        <source>For CSV/TXT; \t is a tab</source>
        <translation>用于 CSV/TXT；\t 表示制表符</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="102"/>
        <source>Empty: the usual formats, e.g. %Y-%m-%d %H:%M:%S</source>
        <translation>留空则识别常用格式，如 %Y-%m-%d %H:%M:%S</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="106"/>
        <source>Values separated by commas</source>
        <translation>多个取值用逗号分隔</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="111"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="114"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="119"/>
        <source>Name:</source>
        <translation>方案名称：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="120"/>
        <source>File format:</source>
        <translation>文件格式：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="121"/>
        <source>Encoding:</source>
        <translation>编码：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="122"/>
        <source>Delimiter:</source>
        <translation>分隔符：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="123"/>
        <source>Header row:</source>
        <translation>列名行：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="125"/>
        <source>Hardware no. column:</source>
        <translation>表号列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="126"/>
        <source>Reading column:</source>
        <translation>读数列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="127"/>
        <source>Read-at column:</source>
        <translation>抄表时间列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="128"/>
        <source>Status column:</source>
        <translation>状态列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="129"/>
        <source>Meter no. column:</source>
        <translation>户表号列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="130"/>
        <source>Location column:</source>
        <translation>位置列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="131"/>
        <source>Previous reading column:</source>
        <translation>上次读数列：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="135"/>
        <source>Time format:</source>
        <translation>时间格式：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="136"/>
        <source>Status read:</source>
        <translation>“正常”取值：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="137"/>
        <source>Status unread:</source>
        <translation>“未抄”取值：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="138"/>
        <source>Status failed:</source>
        <translation>“失败”取值：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="139"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="196"/>
        <source> (built in)</source>
        <translation>（内置）</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="269"/>
        <source>Built-in profiles are read-only: use “Copy to edit”.</source>
        <translation>内置方案只读：请用“复制后修改”。</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="302"/>
        <source>Copy profile</source>
        <translation>复制方案</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="303"/>
        <source>Name of the copy:</source>
        <translation>新方案名称：</translation>
    </message>
    <message>
        <location filename="../../desktop/handheld_profiles_dialog.py" line="304"/>
        <source>{name} (copy)</source>
        <translation>{name}（副本）</translation>
    </message>
</context>
<context>
    <name>ProtectDialog</name>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="192"/>
        <location filename="../../desktop/control_dialogs.py" line="194"/>
        <source>Set power hold</source>
        <translation>设置保电</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="192"/>
        <location filename="../../desktop/control_dialogs.py" line="194"/>
        <source>Lift power hold</source>
        <translation>解除保电</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="198"/>
        <source>An account</source>
        <translation>一个户号</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="199"/>
        <source>A whole building</source>
        <translation>整栋楼</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="209"/>
        <source>Lapses after</source>
        <translation>保电至（含当天）</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="226"/>
        <source>Protect:</source>
        <translation>保电对象：</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="227"/>
        <source>Account:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="228"/>
        <source>Building:</source>
        <translation>楼宇：</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="237"/>
        <source>An account or building under a power hold is never switched off, by the policy or by hand.</source>
        <translation>保电的户号或楼宇不会被断开，无论是费控策略还是手动。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="241"/>
        <source>Once lifted, the policy may switch the account off again.</source>
        <translation>解除后，费控策略可能再次断开该户。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="256"/>
        <source>Type the account number.</source>
        <translation>请输入户号。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="258"/>
        <source>Choose the building.</source>
        <translation>请选择楼宇。</translation>
    </message>
</context>
<context>
    <name>ReadingsPage</name>
    <message>
        <location filename="../../desktop/readings_page.py" line="40"/>
        <source>Entry</source>
        <translation>录入</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_page.py" line="41"/>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_page.py" line="42"/>
        <source>Unread meters</source>
        <translation>未抄表</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_page.py" line="91"/>
        <source>Review ({count})</source>
        <translation>审核 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="50"/>
        <source>Final readings</source>
        <translation>退房读数</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="57"/>
        <source>Move-out day:</source>
        <translation>退房日期：</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="67"/>
        <source>Account {no} {holder} · billed up to {last} · the final bill starts on {start}</source>
        <translation>户号 {no} {holder} · 已出账至 {last} · 结算账单自 {start} 起</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="78"/>
        <source>last {value} on {day}</source>
        <translation>上次 {value}，{day}</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="83"/>
        <source>no reading yet</source>
        <translation>尚无读数</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="90"/>
        <source>Account {no} moved out on {day}</source>
        <translation>户号 {no} 已于 {day} 退房结算</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="108"/>
        <source>Move-out day: YYYY-MM-DD</source>
        <translation>退房日期：格式为 YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="110"/>
        <source>Move-out day: from {first} to {last}</source>
        <translation>退房日期：应在 {first} 至 {last} 之间</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="115"/>
        <source>Final reading of {meters}: required</source>
        <translation>请填写表计 {meters} 的退房读数</translation>
    </message>
</context>
<context>
    <name>RebillDialog</name>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="101"/>
        <source>Rebill</source>
        <translation>更正账单</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="106"/>
        <source>Rebill {period} of {account}</source>
        <translation>更正账单 {account} {period}</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="110"/>
        <source>Confirm rebill</source>
        <translation>确认更正</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="114"/>
        <source>Issued bill (to be cancelled)</source>
        <translation>原账单（将红字冲销）</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="115"/>
        <source>New bill</source>
        <translation>更正后账单</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="144"/>
        <source>Owed after:</source>
        <translation>更正后应缴：</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="145"/>
        <source>Credit after:</source>
        <translation>更正后余额：</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="167"/>
        <source>The readings and tariffs in force give the same bill: nothing to rebill.</source>
        <translation>按现行读数和价格重算的账单与原账单相同，无需更正。</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="142"/>
        <source>Difference:</source>
        <translation>差额：</translation>
    </message>
    <message>
        <location filename="../../desktop/correction_dialogs.py" line="143"/>
        <source>Paid:</source>
        <translation>已缴：</translation>
    </message>
</context>
<context>
    <name>ReceiptsBox</name>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="31"/>
        <source>My receipts today</source>
        <translation>我今日的收据</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="33"/>
        <source>Receipt</source>
        <translation>收据号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="33"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="33"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="33"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="34"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="34"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="34"/>
        <source>Reference</source>
        <translation>票据号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="34"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="36"/>
        <source>Reprint (F11)</source>
        <translation>重打 (F11)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="37"/>
        <source>Void (F12)</source>
        <translation>作废 (F12)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="54"/>
        <source>Void: {reason}</source>
        <translation>作废：{reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="61"/>
        <source>{count} receipts, {amount} taken</source>
        <translation>共 {count} 张收据，已收 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="77"/>
        <source>Receipt {no}</source>
        <translation>收据 {no}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_receipts.py" line="119"/>
        <source>Cannot void</source>
        <translation>不能作废</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="95"/>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="101"/>
        <source>Refund to account {account}</source>
        <translation>退款 {account}</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="102"/>
        <source>Confirm refund</source>
        <translation>确认退款</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="116"/>
        <source>Refundable balance:</source>
        <translation>可退余额：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="117"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="118"/>
        <source>Refund by:</source>
        <translation>退款方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="119"/>
        <source>Bank serial no.:</source>
        <translation>银行流水号：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="120"/>
        <source>Payee&apos;s bank:</source>
        <translation>收款银行：</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="132"/>
        <source>A refund of {amount} yuan is decided by a manager: the authorizing manager signs in here.</source>
        <translation>退款 {amount} 元须由管理人员授权，请授权人在此登录。</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="153"/>
        <source>Type an amount above 0.</source>
        <translation>请输入大于 0 的金额。</translation>
    </message>
    <message>
        <location filename="../../desktop/balance_dialogs.py" line="155"/>
        <source>{amount} is more than the refundable balance {balance}.</source>
        <translation>退款金额 {amount} 元超过可退余额 {balance} 元。</translation>
    </message>
</context>
<context>
    <name>RemindersPage</name>
    <message>
        <location filename="../../desktop/reminders_page.py" line="66"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="67"/>
        <source>Reminders sent</source>
        <translation>催缴记录</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="68"/>
        <source>Paused accounts</source>
        <translation>暂停催缴</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="82"/>
        <source>Queued</source>
        <translation>排队时间</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="82"/>
        <location filename="../../desktop/reminders_page.py" line="102"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="82"/>
        <location filename="../../desktop/reminders_page.py" line="103"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="82"/>
        <location filename="../../desktop/reminders_page.py" line="103"/>
        <source>To</source>
        <translation>接收人</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="83"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="83"/>
        <source>Attempts</source>
        <translation>次数</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="83"/>
        <location filename="../../desktop/reminders_page.py" line="111"/>
        <location filename="../../desktop/reminders_page.py" line="125"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="83"/>
        <source>Content</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="85"/>
        <source>Failed only</source>
        <translation>只看发送失败</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="87"/>
        <source>Resend</source>
        <translation>重发</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="88"/>
        <source>Send the selected failed message again</source>
        <translation>重新发送选中的失败消息</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="102"/>
        <source>Sent</source>
        <translation>发送时间</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="102"/>
        <location filename="../../desktop/reminders_page.py" line="111"/>
        <location filename="../../desktop/reminders_page.py" line="124"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="102"/>
        <location filename="../../desktop/reminders_page.py" line="111"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="103"/>
        <source>Day</source>
        <translation>逾期天数</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="103"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="111"/>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="112"/>
        <source>Since</source>
        <translation>设置时间</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="115"/>
        <source>Account number</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="117"/>
        <source>Why (kept with who and when)</source>
        <translation>原因（连同操作人和时间一并记录）</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="118"/>
        <source>Pause reminders</source>
        <translation>暂停催缴</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="120"/>
        <source>Resume reminders</source>
        <translation>恢复催缴</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="172"/>
        <source>Template message</source>
        <translation>模板消息</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="172"/>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="184"/>
        <source>Messages ({failed} failed)</source>
        <translation>消息 ({failed} 条失败)</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="199"/>
        <source>Paused accounts ({count})</source>
        <translation>暂停催缴 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="207"/>
        <source>Select a failed message to resend.</source>
        <translation>请先选中一条发送失败的消息。</translation>
    </message>
    <message>
        <location filename="../../desktop/reminders_page.py" line="223"/>
        <source>Type the account number.</source>
        <translation>请输入户号。</translation>
    </message>
</context>
<context>
    <name>ReplaceWizard</name>
    <message>
        <location filename="../../desktop/replace_wizard.py" line="337"/>
        <source>Replace a meter</source>
        <translation>换表</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <location filename="../../desktop/reports_page.py" line="87"/>
        <source>YYYY-MM or YYYY-MM-DD</source>
        <translation>YYYY-MM 或 YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="90"/>
        <source>All campuses</source>
        <translation>全部校区</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="92"/>
        <source>today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="97"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="98"/>
        <source>Building</source>
        <translation>楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="99"/>
        <source>Campus</source>
        <translation>校区</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="100"/>
        <source>Kind</source>
        <translation>按类型</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="107"/>
        <source>Period:</source>
        <translation>账期：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="108"/>
        <source>From:</source>
        <translation>起：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="109"/>
        <source>To:</source>
        <translation>止：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="110"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="111"/>
        <source>As of:</source>
        <translation>截至：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="112"/>
        <source>Loss threshold:</source>
        <translation>损耗率阈值：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="113"/>
        <source>By:</source>
        <translation>汇总方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="117"/>
        <source>Show (Enter)</source>
        <translation>查询 (Enter)</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="124"/>
        <source>Export Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="126"/>
        <source>PDF / print…</source>
        <translation>PDF / 打印…</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="241"/>
        <source>Data as of {time} (read replica)</source>
        <translation>数据截至 {time}（只读副本）</translation>
    </message>
    <message>
        <location filename="../../desktop/reports_page.py" line="268"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
</context>
<context>
    <name>ReviewTab</name>
    <message>
        <location filename="../../desktop/readings_review.py" line="87"/>
        <source>Read at</source>
        <translation>抄表时间</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="87"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="87"/>
        <source>Place</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="87"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="88"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="88"/>
        <source>Previous</source>
        <translation>上次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="88"/>
        <source>Reading</source>
        <translation>读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="88"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="89"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="89"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="103"/>
        <source>Accept</source>
        <translation>采用</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="104"/>
        <source>Correct…</source>
        <translation>更正…</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="105"/>
        <source>Reject…</source>
        <translation>驳回…</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="153"/>
        <source>{count} readings waiting</source>
        <translation>{count} 条读数待审核</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="198"/>
        <source>Reject reading of {meter}</source>
        <translation>驳回 {meter} 的读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_review.py" line="199"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
</context>
<context>
    <name>RunProgressDialog</name>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="30"/>
        <source>Billing run</source>
        <translation>出账</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_dialogs.py" line="52"/>
        <source>Billing {period}… {seconds:.1f} s</source>
        <translation>正在为 {period} 出账… 已用 {seconds:.1f} 秒</translation>
    </message>
</context>
<context>
    <name>RunQuestion</name>
    <message>
        <location filename="../../desktop/billing_run_ask.py" line="39"/>
        <source>Billing run</source>
        <translation>出账</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_run_ask.py" line="40"/>
        <source>Bill the period {period} now?</source>
        <translation>现在为账期 {period} 出账吗？</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_run_ask.py" line="42"/>
        <source>Estimate unread meters</source>
        <translation>估抄未抄表计</translation>
    </message>
    <message>
        <location filename="../../desktop/billing_run_ask.py" line="45"/>
        <source>A meter not read in the period, with at least 3 months of readings, is billed on its mean monthly usage (估); its next reading trues it up.</source>
        <translation>本期未抄且有至少 3 个月读数的表计按月均用量估抄出账（估）；下次实抄时多退少补。</translation>
    </message>
</context>
<context>
    <name>SavedFiles</name>
    <message>
        <location filename="../../desktop/saved_files.py" line="33"/>
        <source>Saved to:
{path}</source>
        <translation>已保存到：
{path}</translation>
    </message>
    <message>
        <location filename="../../desktop/saved_files.py" line="34"/>
        <source>Saved to {path}</source>
        <translation>已保存到 {path}</translation>
    </message>
    <message>
        <location filename="../../desktop/saved_files.py" line="37"/>
        <source>{count} files saved in:
{folder}</source>
        <translation>{count} 个文件已保存到：
{folder}</translation>
    </message>
    <message>
        <location filename="../../desktop/saved_files.py" line="40"/>
        <source>{count} files saved in {folder}</source>
        <translation>{count} 个文件已保存到 {folder}</translation>
    </message>
    <message>
        <location filename="../../desktop/saved_files.py" line="48"/>
        <source>Saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <location filename="../../desktop/saved_files.py" line="57"/>
        <source>Open containing folder</source>
        <translation>打开所在文件夹</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <location filename="../../desktop/counter_search.py" line="39"/>
        <source>Account no., scanned meter barcode, name or room (F3)</source>
        <translation>户号、扫描表计条码、户名或房间 (F3)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="45"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="45"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="45"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="45"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="46"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="94"/>
        <source>Nothing found for “{query}”</source>
        <translation>未找到“{query}”</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="100"/>
        <source>Showing the first {shown} of more than {total} accounts</source>
        <translation>显示前 {shown} 户（共 {total} 户以上）</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="104"/>
        <source>Showing the first {shown} of {total} accounts</source>
        <translation>显示前 {shown} 户（共 {total} 户）</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_search.py" line="108"/>
        <source>{count} found</source>
        <translation>找到 {count} 户</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="89"/>
        <source>Database server</source>
        <translation>数据库服务器</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="90"/>
        <source>Ask the administrator for these; the password is kept in the system&apos;s keyring, not in a file.</source>
        <translation>请向系统管理员索取以下信息；密码保存在操作系统的凭据库中，不写入文件。</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="103"/>
        <source>No encryption</source>
        <translation>不加密</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="104"/>
        <source>Encrypt when the server can</source>
        <translation>服务器支持时加密</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="105"/>
        <source>Always encrypt (recommended)</source>
        <translation>始终加密（推荐）</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="106"/>
        <source>Encrypt and verify the server&apos;s certificate</source>
        <translation>加密并验证服务器证书</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="111"/>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="116"/>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="117"/>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="118"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="119"/>
        <source>Login:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="120"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="121"/>
        <source>Encryption:</source>
        <translation>加密方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="144"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
</context>
<context>
    <name>ServicePage</name>
    <message>
        <location filename="../../desktop/service_page.py" line="126"/>
        <source>Binding review</source>
        <translation>绑定审核</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="127"/>
        <source>Requests</source>
        <translation>报修咨询</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="128"/>
        <source>Notices</source>
        <translation>通知公告</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="129"/>
        <source>Installations</source>
        <translation>新装换装</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="130"/>
        <source>Completed by field staff</source>
        <translation>外勤完成</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="131"/>
        <source>Refresh (F5)</source>
        <translation>刷新 (F5)</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="144"/>
        <source>Requested</source>
        <translation>申请时间</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="144"/>
        <location filename="../../desktop/service_page.py" line="167"/>
        <source>Due</source>
        <translation>办理期限</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="144"/>
        <location filename="../../desktop/service_page.py" line="211"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="144"/>
        <source>Given as</source>
        <translation>填写的户主信息</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="145"/>
        <source>Match</source>
        <translation>核对</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="145"/>
        <source>Holder on record</source>
        <translation>档案户主</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="145"/>
        <source>Mobile on record</source>
        <translation>档案手机</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="146"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="146"/>
        <source>Bindings</source>
        <translation>已绑定数</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="146"/>
        <location filename="../../desktop/service_page.py" line="168"/>
        <source>Phone</source>
        <translation>手机</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="146"/>
        <source>What differs</source>
        <translation>差异</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="155"/>
        <source>Approve</source>
        <translation>通过</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="157"/>
        <location filename="../../desktop/service_page.py" line="230"/>
        <source>Reject…</source>
        <translation>驳回…</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="167"/>
        <source>Raised</source>
        <translation>提交时间</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="167"/>
        <location filename="../../desktop/service_page.py" line="199"/>
        <location filename="../../desktop/service_page.py" line="208"/>
        <location filename="../../desktop/service_page.py" line="241"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="167"/>
        <location filename="../../desktop/service_page.py" line="242"/>
        <source>Topic</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="168"/>
        <source>Description</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="168"/>
        <location filename="../../desktop/service_page.py" line="211"/>
        <location filename="../../desktop/service_page.py" line="242"/>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="168"/>
        <source>Assigned to</source>
        <translation>处理人</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="169"/>
        <source>Appointment</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="169"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="176"/>
        <source>Assign…</source>
        <translation>指派…</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="178"/>
        <source>Answer…</source>
        <translation>答复…</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="199"/>
        <source>Published</source>
        <translation>发布时间</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="199"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="199"/>
        <source>From</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="200"/>
        <source>Until</source>
        <translation>截止</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="202"/>
        <source>Publish a notice…</source>
        <translation>发布通知…</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="208"/>
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="208"/>
        <source>Reported by</source>
        <translation>上报人</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="208"/>
        <source>Old meter</source>
        <translation>旧表</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="209"/>
        <source>Last reading</source>
        <translation>上次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="209"/>
        <source>Final reading</source>
        <translation>止码</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="209"/>
        <source>New meter</source>
        <translation>新表</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="210"/>
        <source>Meter kind</source>
        <translation>表计类型</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="210"/>
        <source>Digits</source>
        <translation>位数</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="210"/>
        <source>Multiplier</source>
        <translation>倍率</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="211"/>
        <source>Initial reading</source>
        <translation>起码</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="211"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="212"/>
        <source>Refused</source>
        <translation>未通过原因</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="221"/>
        <source>Old meter&apos;s dial</source>
        <translation>旧表表盘</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="222"/>
        <source>New meter&apos;s dial</source>
        <translation>新表表盘</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="228"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="241"/>
        <source>Completed at</source>
        <translation>完成时间</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="241"/>
        <source>Completed by</source>
        <translation>完成人</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="242"/>
        <source>Worker&apos;s note</source>
        <translation>处理情况</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="243"/>
        <source>Phone&apos;s position</source>
        <translation>定位</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="243"/>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="251"/>
        <source>Next photo</source>
        <translation>下一张照片</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="302"/>
        <source>matches</source>
        <translation>一致</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="303"/>
        <source>does not match</source>
        <translation>不一致</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="303"/>
        <source>no such account</source>
        <translation>无此户号</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="319"/>
        <source>attached</source>
        <translation>有照片</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="335"/>
        <source>Binding review ({count})</source>
        <translation>绑定审核 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="337"/>
        <source>Requests ({count})</source>
        <translation>报修咨询 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="351"/>
        <source>Installations ({count})</source>
        <translation>新装换装 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="365"/>
        <source>Completed by field staff ({count})</source>
        <translation>外勤完成 ({count})</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="389"/>
        <source>⚠ Account {account} does not match: {what}</source>
        <translation>⚠ 户号 {account} 核对不一致：{what}</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="417"/>
        <source>Reject the binding</source>
        <translation>驳回绑定</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="417"/>
        <source>Reason (the resident is told):</source>
        <translation>原因（将通知用户）：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="453"/>
        <source>Assign the request</source>
        <translation>指派处理人</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="453"/>
        <source>Staff member:</source>
        <translation>工作人员：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="467"/>
        <source>Answer the request</source>
        <translation>答复</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="467"/>
        <source>Answer (sent to the resident):</source>
        <translation>答复内容（将发送给用户）：</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="566"/>
        <source>Reject the report</source>
        <translation>驳回上报</translation>
    </message>
    <message>
        <location filename="../../desktop/service_page.py" line="566"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
</context>
<context>
    <name>SettlementDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="161"/>
        <source>Close the day {date}</source>
        <translation>日结 {date}</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="164"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="164"/>
        <source>Count</source>
        <translation>笔数</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="164"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="166"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="173"/>
        <source>Float:</source>
        <translation>备用金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="174"/>
        <source>Cash taken:</source>
        <translation>现金实收：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="175"/>
        <source>Change given:</source>
        <translation>找零：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="176"/>
        <source>Cash voided:</source>
        <translation>作废现金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="177"/>
        <source>Cash refunded:</source>
        <translation>现金退款：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="178"/>
        <source>Handed over:</source>
        <translation>已交款：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="183"/>
        <source>Expected cash:</source>
        <translation>应有现金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="186"/>
        <source>Cash counted:</source>
        <translation>清点现金：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="188"/>
        <source>Over / short:</source>
        <translation>长短款：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="190"/>
        <source>Why the drawer is over or short</source>
        <translation>长款或短款的原因</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="191"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="194"/>
        <source>Voided:</source>
        <translation>已作废：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="200"/>
        <source>Refunds:</source>
        <translation>退款单：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="205"/>
        <source>Close the day</source>
        <translation>日结</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="224"/>
        <source>Over {amount}</source>
        <translation>长款 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="226"/>
        <source>Short {amount}</source>
        <translation>短款 {amount}</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="228"/>
        <source>Balanced</source>
        <translation>无长短款</translation>
    </message>
</context>
<context>
    <name>SettlementPage</name>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="192"/>
        <source>Settlement</source>
        <translation>结算</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="194"/>
        <source>Move out</source>
        <translation>退房结算</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="196"/>
        <source>Period</source>
        <translation>账期</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="196"/>
        <source>Bill</source>
        <translation>账单</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="196"/>
        <source>Open</source>
        <translation>未缴</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="196"/>
        <source>Late fee</source>
        <translation>滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="204"/>
        <source>Open bills after the final bill and the deposit:</source>
        <translation>出结算账单、押金抵扣后仍未缴清的账单：</translation>
    </message>
    <message>
        <location filename="../../desktop/move_out_pages.py" line="214"/>
        <source>Final bill {total} · deposit held {deposit}, released to the balance · balance afterwards {balance} · owed {owed}</source>
        <translation>结算账单 {total} · 押金 {deposit} 转入余额 · 结算后余额 {balance} · 欠费 {owed}</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="198"/>
        <location filename="../../desktop/setup_wizard.py" line="243"/>
        <source>MeterDesk setup</source>
        <translation>MeterDesk 设置向导</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="221"/>
        <source>The settings could not be saved: {error}</source>
        <translation>设置未能保存：{error}</translation>
    </message>
    <message>
        <location filename="../../desktop/setup_wizard.py" line="244"/>
        <source>Preparing the demo data…</source>
        <translation>正在准备演示数据……</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <location filename="../../desktop/admin_page.py" line="75"/>
        <source>New staff member</source>
        <translation>新增工作人员</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="85"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="91"/>
        <source>Login name:</source>
        <translation>登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="92"/>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="93"/>
        <source>Department:</source>
        <translation>部门：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="94"/>
        <source>Post:</source>
        <translation>岗位：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="95"/>
        <source>Branch:</source>
        <translation>分中心：</translation>
    </message>
    <message>
        <location filename="../../desktop/admin_page.py" line="96"/>
        <source>First password:</source>
        <translation>初始密码：</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <location filename="../../desktop/app.py" line="89"/>
        <source>MeterDesk cannot start</source>
        <translation>MeterDesk 无法启动</translation>
    </message>
    <message>
        <location filename="../../desktop/app.py" line="188"/>
        <source>The configuration file cannot be read: {error}</source>
        <translation>无法读取配置文件：{error}</translation>
    </message>
    <message>
        <location filename="../../desktop/app.py" line="198"/>
        <source>Cannot connect to the database: {error}</source>
        <translation>无法连接数据库：{error}</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="51"/>
        <source>The database schema ({current}) is newer than this program supports ({head}). Please install the current version of MeterDesk.</source>
        <translation>数据库结构版本（{current}）比本程序支持的版本（{head}）新，请安装最新版 MeterDesk。</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="56"/>
        <source>The database schema is at version {current}, this program needs {head}. Ask the administrator to run: meterdesk db upgrade</source>
        <translation>数据库结构版本为 {current}，本程序需要 {head}。请管理员先运行：meterdesk db upgrade</translation>
    </message>
    <message>
        <location filename="../../desktop/connection.py" line="61"/>
        <source>(empty)</source>
        <translation>空</translation>
    </message>
</context>
<context>
    <name>StatementView</name>
    <message>
        <location filename="../../desktop/statement_view.py" line="58"/>
        <source>From YYYY-MM-DD (blank: opening)</source>
        <translation>起始日期 YYYY-MM-DD（空：自开户）</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="61"/>
        <source>To YYYY-MM-DD (blank: today)</source>
        <translation>截止日期 YYYY-MM-DD（空：至今天）</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="65"/>
        <source>Show</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="67"/>
        <source>Export PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="69"/>
        <source>Export Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="72"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="72"/>
        <source>Document</source>
        <translation>单据</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="72"/>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="72"/>
        <source>Debit</source>
        <translation>应收(借)</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="73"/>
        <source>Credit</source>
        <translation>实收(贷)</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="73"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="159"/>
        <source>Export PDF</source>
        <translation>导出 PDF</translation>
    </message>
    <message>
        <location filename="../../desktop/statement_view.py" line="160"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
</context>
<context>
    <name>SwitchDialog</name>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="63"/>
        <source>Switch off account {account}</source>
        <translation>断开户号 {account}</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="64"/>
        <source>Switch off</source>
        <translation>断开</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="66"/>
        <source>The meters below are switched off (relay tripped, valve closed) as soon as the command is sent. Switching off a home is serious: check the account first.</source>
        <translation>指令一经发送，下列表计即断开（跳闸、关阀）。断开住户用电用水事关重大，请先核实该户情况。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="70"/>
        <source>Switch on account {account}</source>
        <translation>合闸户号 {account}</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="71"/>
        <source>Switch on</source>
        <translation>合闸</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="72"/>
        <source>The meters below are switched back on when the command is sent.</source>
        <translation>指令发送后，下列表计恢复通电（开阀）。</translation>
    </message>
    <message>
        <location filename="../../desktop/control_dialogs.py" line="76"/>
        <source>Meters:</source>
        <translation>表计：</translation>
    </message>
</context>
<context>
    <name>TariffEditor</name>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="83"/>
        <source>New tariff</source>
        <translation>新增价格</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="97"/>
        <source>Optional, e.g. 2027 price adjustment</source>
        <translation>可不填，如 2027 年调价</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="99"/>
        <source>Annual tiers: thresholds apply to the usage accumulated in the year</source>
        <translation>年阶梯：阶梯按全年累计用量计</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="105"/>
        <location filename="../../desktop/tariff_dialogs.py" line="119"/>
        <source>Component</source>
        <translation>收费项目</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="105"/>
        <source>From usage</source>
        <translation>起始用量</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="105"/>
        <location filename="../../desktop/tariff_dialogs.py" line="119"/>
        <source>Unit price</source>
        <translation>单价</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="109"/>
        <source>Add component</source>
        <translation>添加收费项目</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="110"/>
        <source>Add tier</source>
        <translation>添加阶梯</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="111"/>
        <source>Remove row</source>
        <translation>删除行</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="112"/>
        <source>New component</source>
        <translation>新收费项目</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="119"/>
        <source>Tier</source>
        <translation>阶梯</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="119"/>
        <source>Usage</source>
        <translation>用量</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="120"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="137"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="138"/>
        <source>Customer class:</source>
        <translation>用户类别：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="139"/>
        <source>Effective from:</source>
        <translation>生效日期：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="140"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="146"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="149"/>
        <source>Sample monthly usage:</source>
        <translation>试算月用量：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="158"/>
        <source>Components and tiers (a blank name continues the one above)</source>
        <translation>收费项目与阶梯（项目名留空表示属于上一项目）</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="215"/>
        <source>Row {row}</source>
        <translation>第 {row} 行</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="217"/>
        <source>{where}: the first row needs a component name</source>
        <translation>{where}：第一行须填写收费项目名称</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="223"/>
        <source>{where}, from usage: enter a number of 0 or more (3 decimals at most)</source>
        <translation>{where} 起始用量：请填写不小于 0 的数（最多 3 位小数）</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="228"/>
        <source>{where}, unit price: enter a price of 0 or more (4 decimals at most)</source>
        <translation>{where} 单价：请填写不小于 0 的单价（最多 4 位小数）</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="232"/>
        <source>{where}: the first tier of {name} must start at 0</source>
        <translation>{where}：{name} 的第一档须从 0 起</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="240"/>
        <source>{where}: the tiers of {name} must go up (from {start} after {previous})</source>
        <translation>{where}：{name} 的阶梯起点须从小到大（{start} 在 {previous} 之后）</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="249"/>
        <source>Add at least one component</source>
        <translation>至少要有一个收费项目</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="283"/>
        <source>Sample usage: enter a number</source>
        <translation>试算用量：请填写数字</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="297"/>
        <source>{start} and above</source>
        <translation>{start} 以上</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="303"/>
        <source>{name} subtotal</source>
        <translation>{name} 小计</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="307"/>
        <source>Total: {amount}</source>
        <translation>合计：{amount}</translation>
    </message>
</context>
<context>
    <name>TariffsPage</name>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="84"/>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="88"/>
        <location filename="../../desktop/tariffs_page.py" line="154"/>
        <source>All classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="92"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="92"/>
        <location filename="../../desktop/tariffs_page.py" line="106"/>
        <source>Customer class</source>
        <translation>用户类别</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="92"/>
        <location filename="../../desktop/tariffs_page.py" line="108"/>
        <source>Effective from</source>
        <translation>生效日期</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="93"/>
        <location filename="../../desktop/tariffs_page.py" line="193"/>
        <source>In force</source>
        <translation>执行中</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="93"/>
        <source>Components and tiers</source>
        <translation>收费项目与阶梯</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="93"/>
        <source>Tier basis</source>
        <translation>阶梯方式</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="96"/>
        <source>New tariff… (Ctrl+N)</source>
        <translation>新增价格… (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="99"/>
        <source>New class…</source>
        <translation>新增类别…</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="100"/>
        <source>A customer class such as 商户 or 教职工</source>
        <translation>新增用户类别，如 商户、教职工</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="106"/>
        <source>Late fees</source>
        <translation>滞纳金</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="106"/>
        <source>Grace days</source>
        <translation>宽限天数</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="107"/>
        <source>Daily rate</source>
        <translation>日费率</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="107"/>
        <source>Minimum</source>
        <translation>最低金额</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="107"/>
        <source>Cap</source>
        <translation>封顶金额</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="110"/>
        <source>Change policy…</source>
        <translation>修改规则…</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="111"/>
        <source>Managers only; a change applies from its date</source>
        <translation>仅管理人员；修改自生效日期起执行</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="115"/>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="117"/>
        <source>Customer class:</source>
        <translation>用户类别：</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="127"/>
        <source>Late fees by customer class</source>
        <translation>各类用户滞纳金规则</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="160"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="160"/>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="167"/>
        <source>None</source>
        <translation>不封顶</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="199"/>
        <source>{count} tariffs</source>
        <translation>共 {count} 套价格</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="213"/>
        <source>Charge</source>
        <translation>费用</translation>
    </message>
    <message>
        <location filename="../../desktop/tariffs_page.py" line="232"/>
        <source>Tariff not saved</source>
        <translation>价格未保存</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="324"/>
        <source>Electricity</source>
        <translation>电</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="325"/>
        <source>Water</source>
        <translation>水</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="332"/>
        <source>Monthly tiers</source>
        <translation>月阶梯</translation>
    </message>
    <message>
        <location filename="../../desktop/tariff_dialogs.py" line="333"/>
        <source>Annual tiers</source>
        <translation>年阶梯</translation>
    </message>
</context>
<context>
    <name>TaskRunner</name>
    <message>
        <location filename="../../desktop/tasks.py" line="103"/>
        <source>Not permitted</source>
        <translation>无权办理</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="104"/>
        <source>Not found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="105"/>
        <source>Cannot be done now</source>
        <translation>当前无法办理</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="106"/>
        <source>Please check the input</source>
        <translation>请检查输入</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="154"/>
        <source>Cannot reach the database (the connection was lost, or the server is switching to its standby). Try again in a moment; for a payment, first check the account&apos;s receipts whether it went through.</source>
        <translation>无法连接数据库（连接中断，或服务器正在切换到备用服务器）。请稍后重试；收款请先查看该户的收据，确认是否已入账。</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="161"/>
        <source>An unexpected error occurred ({error}); details are in the log.</source>
        <translation>发生意外错误（{error}），详情见日志。</translation>
    </message>
    <message>
        <location filename="../../desktop/tasks.py" line="169"/>
        <source>MeterDesk</source>
        <translation>MeterDesk</translation>
    </message>
</context>
<context>
    <name>TillBar</name>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="42"/>
        <source>Open day (F2)</source>
        <translation>开班 (F2)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="43"/>
        <source>Hand over</source>
        <translation>交款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="44"/>
        <source>Close day (F10)</source>
        <translation>日结 (F10)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="45"/>
        <source>Day report</source>
        <translation>日结报表</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="63"/>
        <source>The day {date} is still open: close it before taking money (F10)</source>
        <translation>{date} 尚未日结：请先日结再收款 (F10)</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="67"/>
        <source>{date} open since {time}, float {amount}, taken {taken}</source>
        <translation>{date} 已开班（{time}），备用金 {amount}，已收 {taken}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="79"/>
        <source>{date} is closed; no more payments today</source>
        <translation>{date} 已日结，今日不能再收款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="85"/>
        <source>The day is not open: press F2 to open it</source>
        <translation>尚未开班：按 F2 开班</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="136"/>
        <location filename="../../desktop/counter_till_bar.py" line="147"/>
        <source>Hand cash over</source>
        <translation>交款</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="137"/>
        <source>{amount} handed over to {to}</source>
        <translation>已交款 {amount} 给 {to}</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="205"/>
        <source>Export &amp;Excel…</source>
        <translation>导出 &amp;Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/counter_till_bar.py" line="220"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
</context>
<context>
    <name>UnreadTab</name>
    <message>
        <location filename="../../desktop/readings_unread.py" line="55"/>
        <source>Export Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="58"/>
        <source>Meter</source>
        <translation>表号</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="58"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="58"/>
        <source>Campus</source>
        <translation>校区</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="58"/>
        <source>Building</source>
        <translation>楼宇</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="59"/>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="59"/>
        <source>Account</source>
        <translation>户号</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="59"/>
        <source>Holder</source>
        <translation>户主</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="59"/>
        <source>Last reading</source>
        <translation>上次读数</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="60"/>
        <source>Estimated</source>
        <translation>估抄</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="70"/>
        <source>Period:</source>
        <translation>账期：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="72"/>
        <source>Campus:</source>
        <translation>校区：</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="86"/>
        <source>All campuses</source>
        <translation>全部校区</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="117"/>
        <source>{period}: {unread} of {active} meters not read</source>
        <translation>{period}：{active} 块表中 {unread} 块未抄</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="122"/>
        <source>; {visits} estimated as long as allowed: visit first</source>
        <translation>；{visits} 块已连续估抄到上限，请先上门抄表</translation>
    </message>
    <message>
        <location filename="../../desktop/readings_unread.py" line="137"/>
        <location filename="../../desktop/readings_unread.py" line="156"/>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="113"/>
        <source>Void receipt</source>
        <translation>作废收据</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="119"/>
        <source>Receipt:</source>
        <translation>收据号：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="120"/>
        <source>Amount:</source>
        <translation>金额：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="121"/>
        <source>Account no.:</source>
        <translation>户号：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="122"/>
        <source>Account holder:</source>
        <translation>户主：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="123"/>
        <source>Channel:</source>
        <translation>收款方式：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="133"/>
        <source>Choose or type the reason</source>
        <translation>选择或输入作废原因</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="134"/>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <location filename="../../desktop/till_dialogs.py" line="137"/>
        <source>Void</source>
        <translation>作废</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <location filename="../../desktop/main_window.py" line="61"/>
        <source>Welcome, {name}</source>
        <translation>欢迎，{name}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="72"/>
        <source>Name:</source>
        <translation>姓名：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="73"/>
        <source>Login name:</source>
        <translation>工号/登录名：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="74"/>
        <source>Department:</source>
        <translation>部门：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="75"/>
        <source>Post:</source>
        <translation>岗位：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="76"/>
        <source>Branch:</source>
        <translation>分中心：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="76"/>
        <source>(none)</source>
        <translation>（未分配）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="77"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
</context>
</TS>
