"""The fourth round of intake's training text: the registers the field really writes in, not one author's voice.

The first rounds told residents' own sentences, all in one voice. Requests reach the desk in many registers: the desk
operator's one-line summary (居民反映…，要求…), the 12345 hotline's work order (来电人称…，诉求…), a grid worker's patrol
note typed on a phone (3#2单元 …，已拍照上报), a property company's repair and patrol log, speech-to-text of a call (fillers,
sound-alike words, no punctuation), older people speaking a regional Mandarin (south-west, north-east, Henan, Cantonese-
and Wu-influenced), WeChat group messages (@物业, +1, 有木有人管), and a complaint that names two problems of which one
matters. Each register here is a small grammar of its own, with its own openings, subjects, number forms, verbs and
closes, and every category's facts (the things, what is wrong with them, what follows, what is asked) are drawn from
lists wide enough that no object is learnt as one stock phrase: public repairs name some seventy kinds of shared
fixture; fire escapes are told by their markings and who blocks them as often as by name; things thrown from above are
told by what they hit. The desk's asks (要求物业处理, 要求派出所调查, 要求调取监控 …) are shared between categories so that
an ask does not decide a category. Nothing here was written from an evaluation or development sentence.

Used by generate_corpus.py on its own random stream, so the earlier rounds' requests stay exactly as they were.
"""

# Per category:
#  o   the things (or places) the request is about, in plain words;
#  f   what is wrong with them, as a predicate after the thing;
#  fo  the same in the desk's written register (after the thing);
#  e   what follows from it (a consequence, in plain words);
#  eo  the consequence in the desk's register;
#  a   category-leaning asks (after 要求);
#  sym whole clauses telling only what is seen, heard or smelt, without the category's words (for older callers).
K = {
"parking": {
 "o": ["一辆白色小轿车", "外来车辆", "几辆私家车", "一辆拉货的面包车", "网约车", "外地牌照的车", "装修队的小货车", "一辆落满灰的旧车", "电动三轮",
       "租车公司的车", "送桶装水的三轮", "隔壁公司员工的车", "一辆越野车", "没挂牌的车", "摩托车", "一辆黑色的商务车"],
 "f": ["停在我的车位上不走", "堵在车库出入口", "横在单元门口", "压在人行道上", "停在盲道上", "把路口占了半边", "停在我家门口挪不出去",
       "天天占着充电车位", "停在残疾人车位上", "在楼下停了两个多月没动过", "停在小区主路中间", "斜着停占了两个位子", "开到绿地上停着",
       "把垃圾房门口堵住了", "停在别人的固定车位里"],
 "fo": ["长期占用业主固定车位", "堵塞地下车库出入口", "停放于人行道及盲道", "长期停放于小区道路", "占用无障碍车位", "乱停乱放影响通行",
        "停放于单元出入口", "长时间停放未移动疑似僵尸车"],
 "e": ["我早上开不出去", "车主电话打了不接", "保安说管不了", "推婴儿车的只能走马路", "接孩子要绕一大圈", "我的车被夹在里面", "上班天天迟到"],
 "eo": ["影响业主正常出行", "联系车主未果", "影响居民通行", "造成道路拥堵"],
 "a": ["联系车主挪车", "规范小区停车秩序", "清理僵尸车", "交警部门处理违停", "物业加强车辆进出管理"],
 "sym": ["早上下楼一看，我那个格子里又是别人家的车", "一到晚上外面的车全往我们院里钻，自家人回来转三圈找不到地方",
         "门口那辆车轮胎都瘪了，灰有一指厚，好几个月没见人开过", "我家门口被一辆车挡着，打了车上留的号码是空号"]},
"drainage": {
 "o": ["下水道", "厨房下水管", "卫生间地漏", "楼下的污水井", "化粪池", "小区雨水口", "路边的排水沟", "地下室的排污管", "楼后的明沟", "阳台落水管",
       "单元门口的窨井", "公共污水管", "小区主排水管", "洗衣机的排水口", "马路边的雨水箅子", "饭店的隔油池", "公厕的下水"],
 "f": ["堵死了", "往上返脏水", "冒黑水", "满了往外溢", "排不出去", "一下雨就倒灌", "全是淤泥", "臭气熏天", "通了没两天又堵", "往外翻粪水", "水半天下不去",
       "破了一直往外渗污水", "被垃圾塞满了", "冒泡泛臭"],
 "fo": ["堵塞", "污水外溢", "排水不畅", "返水倒灌", "淤积严重", "破损渗漏污水", "雨后积水长时间无法排出", "散发恶臭"],
 "e": ["一楼的地上全是污水", "味道熏得人不敢开窗", "路上积了一大滩水", "蚊子苍蝇乱飞", "住户没法用厕所", "孩子上学要蹚水"],
 "eo": ["严重影响周边居民生活", "影响居民出行", "存在卫生隐患", "污染周边环境"],
 "a": ["尽快疏通", "清淘化粪池", "维修排水管道", "排水部门处理", "清理雨水口"],
 "sym": ["楼下那家的厨房地上总是湿的，说是从管子里顶上来的，带着饭渣子", "门前那块洼地连着下了两天雨，水一直没走，车都开不过去",
         "厕所一冲，楼下人家的地上就冒出来"]},
"water_supply": {
 "o": ["家里的自来水", "楼里的水", "高层住户的水", "小区供水", "龙头出来的水", "屋顶水箱的水", "水管", "入户水表", "二次供水泵房", "整栋楼的水",
       "公共水表井", "老铁管", "热水器进水"],
 "f": ["停了一整天也没通知", "黄得像茶水", "有股消毒水味", "压力小得只剩一条线", "时有时无", "里面有沙子", "放出来是浑的", "上不到六楼以上",
       "冻裂了往外喷水", "烧开后壶底结一层白垢", "三天两头断", "带着铁锈", "洗澡时只滴滴答答", "一到晚上就细得像线", "一直在漏表却转得飞快"],
 "fo": ["无故停水", "水质浑浊发黄", "水压不足", "供水不稳定", "停水未提前告知", "管道破裂漏水", "水质有异味", "高层无法正常供水"],
 "e": ["饭都做不了", "只能下楼提水", "孩子没法洗澡", "老人不敢喝", "厕所冲不了", "水费翻了一倍"],
 "eo": ["严重影响居民生活用水", "居民饮水安全存在隐患", "影响正常生活"],
 "a": ["供水公司尽快恢复供水", "检测水质", "清洗二次供水水箱", "维修供水管道", "提前公告停水信息"],
 "sym": ["打开开关先是一阵咳嗽似的响，接着流出来一小股就没了", "泡的茶放一会上面浮一层膜，老人说喝着发涩", "一到做饭的点，楼上几层就干了，半夜才来",
         "放出来的东西跟米汤似的，放一会底下还沉一层"]},
"street_light": {
 "o": ["路灯", "小区主路的灯", "马路边的灯", "公园步道的照明", "桥上的灯", "巷子里的灯", "河边的路灯", "广场的灯", "停车场的照明", "村口那盏灯",
       "学校门口那段路的灯", "公交站旁边的路灯", "太阳能路灯", "灯杆上的灯头", "景观灯", "人行道的灯具", "路段的照明", "步道边的灯", "小学门口的灯"],
 "f": ["不亮了", "坏了一排", "一闪一闪的", "白天亮晚上不亮", "半夜就全黑了", "暗得跟没开一样", "灯罩掉了", "灯杆被车撞歪了", "好几个月没亮过",
       "一段亮一段不亮"],
 "fo": ["照明设施损坏", "路灯不亮", "夜间照明缺失", "路灯杆倾斜灯具脱落", "路灯昼亮夜熄", "照明不足"],
 "e": ["晚上走路摔了跤", "下夜班回家心里发毛", "看不清路上的坑", "电动车差点撞到人", "孩子晚自习回来摸黑走"],
 "eo": ["夜间出行存在安全隐患", "影响居民夜间出行", "行人夜间通行困难"],
 "a": ["尽快修复路灯", "市政部门维修照明", "增设路灯", "检修线路"],
 "sym": ["天一黑坡底下那段就黑咕隆咚的，走路全凭感觉", "夜里那条巷子黑灯瞎火，老人都不敢出来遛弯", "到了晚上那截路跟锅底一样黑，以前是有光的", "那根杆子上的灯一会亮一会灭，晃得眼睛疼", "去菜场那条小路夜里只能打着手电走，上个月有人崴了脚",
         "出了东门一直到车站，晚上只能靠过路车的光"]},
"greening": {
 "o": ["楼前的大树", "小区的香樟", "绿化带", "草坪", "花坛", "冬青", "竹子", "树枝", "老槐树", "梧桐", "公共绿地", "行道树", "灌木丛", "枯树", "桂花树"],
 "f": ["长得遮住了窗户", "好久没修剪", "枯死了一大片", "被人挖了种菜", "断了枝挂在半空", "歪着随时要倒", "长满了虫子", "杂草一人高", "被圈起来养鸡",
       "树根把地面拱裂了", "伸到人家阳台里", "掉叶子把沟都填了", "黄土都露出来了", "枝子压在电线上", "断了根大枝子吊着随时掉", "根钻到墙根底下把墙拱裂了", "窜到一楼人家院子里", "没人浇水黄了一片", "叶子把楼顶的天沟塞满了", "挡住了路口的视线", "树干被虫蛀空了"],
 "fo": ["长期缺乏养护", "枝叶过密遮挡采光", "被毁绿种菜", "枯死未补种", "存在倒伏风险", "病虫害严重", "杂草丛生"],
 "e": ["屋里白天要开灯", "蚊子特别多", "毛毛虫掉到身上", "刮风怕砸着人", "看着荒得很"],
 "eo": ["影响居民采光", "影响小区环境", "存在安全隐患"],
 "a": ["园林部门修剪", "补种绿化", "恢复绿地", "清理杂草", "物业履行养护责任"],
 "sym": ["那一排矮树丛大半都干黄了，像是一夏天没人管过", "楼前的树枝子长到电线里去了，刮风就打火花似的", "窗前那几棵长得太猛了，屋里一年到头见不着太阳", "有人把楼前那块草地翻了，种上了葱和辣椒", "一刮风那棵老树就嘎吱响，里头早空了",
         "树上的虫子一串串吊下来，孩子不敢在底下玩"]},
"stairwell_clutter": {
 "o": ["楼道", "楼梯间", "楼梯拐角", "过道", "一楼大堂", "电梯厅", "楼梯平台", "顶楼楼梯口", "地下室过道", "走廊"],
 "f": ["堆满了纸箱和旧家具", "被邻居放了鞋柜和腌菜缸", "停着婴儿车和自行车", "堆着捡来的废品", "贴满了小广告", "墙上写满了开锁电话",
       "放了好几盆花挡路", "堆着装修剩下的砖和水泥袋", "塞满了泡沫箱子", "门把手上插满了传单"],
 "fo": ["长期堆放杂物", "堆放废品影响通行", "张贴小广告", "乱涂乱画", "违规停放婴儿车、自行车"],
 "e": ["上下楼要侧着身子", "老人差点被绊倒", "招了老鼠", "一股馊味", "看着脏兮兮的"],
 "eo": ["影响通行", "存在消防隐患", "影响楼道环境"],
 "a": ["物业清理", "督促住户搬离杂物", "清除小广告"],
 "sym": ["每层墙上都是号码，门缝里天天塞单子", "楼梯上一摞一摞的纸壳子，闻着还有点馊", "二楼那家把不要的冰箱和床板都竖在上楼的地方"]},
"fire_escape": {
 "o": ["消防通道", "消防车道", "画了黄线的通道", "地上画着黄色网格的那块", "写着“消防车道 禁止停车”的地方", "消防登高场地", "生命通道", "安全出口",
       "疏散楼梯", "逃生门", "紧急出口", "楼梯间的防火门", "走火通道", "立着禁止占用牌子的通道", "红线框起来的那段路", "救火车走的道"],
 "f": ["被私家车天天停满", "天天停着一排车，地上的字都被压住了", "早晚被送学生的家长车停满，标线上全是车", "被送货的车一停就是半天，黄线上全是轮胎印", "画了禁停标线还是停满了车", "被外卖电动车和快递三轮挤满", "被放学时等人的家长车占着", "被摊贩支了棚子卖东西", "被快递车堵着", "被物业改成了收费车位", "装了地锁", "被铁栅栏拦住了",
       "被锁上了", "被焊死了", "堆满了建材", "被砌了一道墙", "被人圈进自家院子", "被电动车堵死", "被杂物卡着关不上"],
 "fo": ["被车辆长期占用", "被堵塞", "被锁闭", "被占用堆放货物", "被改作停车场", "被摊贩占用"],
 "e": ["着火了消防车根本进不来", "救护车都开不进去", "真出事人跑不出去", "云梯车展不开", "上回有人犯病车都进不来", "真有火情大车拐不进来", "一旦着火救援的车过不去"],
 "eo": ["存在重大消防安全隐患", "一旦发生火情后果严重", "影响消防车辆通行"],
 "a": ["消防部门检查", "清理占用消防通道的车辆", "恢复消防通道", "拆除私设障碍", "加强消防通道管理"],
 "sym": ["楼后那条给大红车走的路，地上画着格子，还是天天停满了车", "商场后面那扇往外跑的门，平时都用铁链子绕了好几圈",
         "小区里那条一直说不能占的路，现在两边停满了，真有事大车拐不进来"]},
"thrown_objects": {
 "o": ["啤酒瓶", "西瓜皮", "旧鞋", "外卖袋子", "牛奶盒", "烟头", "剩饭剩菜", "拖把水", "洗脚水", "花盆",
       "衣架", "砖块", "玩具", "鸡骨头", "卫生纸", "一袋垃圾", "瓜子皮", "筷子", "酸奶盒", "鸡蛋壳", "瓷碗", "生活垃圾", "装垃圾的袋子"],
 "f": ["从楼上扔下来", "从窗户丢下来", "从阳台甩下来", "从高层掉下来", "从上面泼下来", "从楼上往下倒", "被人从高处抛下来"],
 "fo": ["从高层抛下", "高空坠落", "被高层住户抛掷", "自高处坠落"],
 "hit": ["砸在车顶上", "砸坏了车窗", "在车盖上烫了个印子", "砸在电动车座上", "掉进一楼人家院子里", "砸到路过的外卖小哥", "差点砸到孩子头上",
         "砸在我脚边", "溅了我一身", "砸在自行车筐里", "落在婴儿车旁边", "把空调外机砸凹了"],
 "e": ["不知道是哪一层", "楼下的人都不敢走", "这要砸到人就出人命了", "好几次了"],
 "eo": ["严重威胁楼下行人安全", "造成财产损失", "存在伤人风险"],
 "a": ["调取监控查明抛物住户", "派出所调查处理", "加强高空抛物宣传", "物业排查楼层"],
 "sym": ["早上起来车顶上一摊烂菜叶子，还有个瓶子", "晚上在楼下遛狗，上头落下来一个碗，碎在离我一步远的地方", "一楼院子里三天两头落下来吃剩的骨头"]},
"roof_leak": {
 "o": ["顶楼的屋顶", "天花板", "卫生间吊顶", "外墙", "卧室墙角", "阳台顶", "楼顶防水层", "窗户上沿", "楼上卫生间", "顶层楼梯间", "屋面", "飘窗"],
 "f": ["一下雨就往下滴水", "渗水发霉", "湿了一大片", "往屋里淌水", "起了一大片水印", "墙皮泡得一块块掉", "鼓了个大包", "顺着灯线往下滴",
       "漏到我家来了", "长满了霉斑"],
 "fo": ["渗漏", "雨天渗水", "防水层老化渗漏", "墙体渗水发霉", "楼上住户漏水至楼下"],
 "e": ["家具泡坏了", "被子都湿透了", "怕电线短路", "屋里一股霉味", "拿盆接着"],
 "eo": ["影响正常居住", "造成室内财产损失"],
 "a": ["维修屋面防水", "协调楼上住户维修", "动用维修基金修缮", "上门查看渗漏原因"],
 "sym": ["每回下完雨，卧室顶上就一圈圈的黄印子，越来越大", "楼上一洗澡，我家厕所顶就滴答个不停", "北面那间屋的墙一年到头都是潮的，衣服放柜子里都长毛"]},
"noise": {
 "o": ["楼上", "隔壁装修的", "楼下饭店的排风机", "广场舞的音响", "工地", "烧烤摊", "酒吧", "KTV", "菜市场卸货的", "改装摩托", "楼顶的冷却塔",
       "隔壁出租屋", "楼下商铺的喇叭", "空调外机", "半夜的渣土车", "半夜卸货的货车", "楼下车子的防盗器", "菜市场的早市", "夜里装卸的冷链车"],
 "f": ["半夜还咚咚响", "一大早就开电钻", "吵到凌晨两三点", "声音震得玻璃响", "天天放到十点多", "嗡嗡嗡一整夜", "夜里还在打桩", "轰油门轰到半夜", "天不亮就哐哐地卸货", "嘀嘀嘀一响就是十几分钟"],
 "fo": ["夜间噪声扰民", "施工噪音超时", "噪声扰民严重", "设备噪音长期扰民"],
 "e": ["一晚上睡不着", "孩子没法写作业", "老人心慌", "上夜班的白天没法补觉", "头疼得厉害"],
 "eo": ["严重影响居民休息", "影响周边居民正常生活"],
 "a": ["环保部门检测噪声", "城管制止夜间施工", "督促商户整改", "规范广场舞时间和音量"],
 "sym": ["楼下那家店的大风扇从早转到晚，嗡嗡的隔着窗户都听见", "对面楼顶那台机器一开就响，夜里尤其清楚，根本睡不着", "凌晨三四点就有人在楼下大声吆喝"]},
"neighbour_dispute": {
 "o": ["对门", "隔壁", "楼上那家", "楼下邻居", "前院那户", "同一层的住户", "隔壁老两口"],
 "f": ["把鞋柜摆到我家门口说了不听", "把监控对着我家门", "把墙砌到我家地界上", "因为漏水不肯赔还骂人", "为了车位跟我吵起来", "往我家门口扫垃圾",
       "种的树挡了我家窗户谈不拢", "说我家孩子吵天天敲暖气管", "为了宅基地边界闹到要动手", "借钱不还还翻了脸", "为这事跟我们吵了好几回架", "跟我家吵过两次架现在见面都不说话", "因为宠物在电梯里撒尿跟我们闹翻了"],
 "fo": ["因琐事发生纠纷", "因漏水赔偿问题产生矛盾", "因公共区域使用发生争执", "邻里关系紧张"],
 "e": ["自己协商不成", "老人气得血压都高了", "再这样要打起来", "想有人出面评评理"],
 "eo": ["双方协商未果", "矛盾有激化风险"],
 "a": ["社区出面调解", "人民调解委员会介入", "协调双方"],
 "sym": ["跟对面那家为了门口那一小块地方说了好几回，越说越僵", "隔壁那户装的那个摄像头正冲着我家卧室窗户，找他他不拆"]},
"property_service": {
 "o": ["物业", "物业公司", "管理处", "收管理费的", "看大门的", "管事的那帮人", "收钱的那些人", "物业那帮人", "保安", "门岗", "保洁", "物业经理", "物业前台", "业委会", "物业费", "停车管理费"],
 "f": ["什么都不管", "收了钱不办事", "报修十几天没人来", "上班时间睡觉", "态度恶劣", "账目从来不公开", "涨价不跟业主商量", "把公共地方租出去收钱",
       "垃圾好几天没清", "说这不归他们管", "随便放陌生人进来", "电话一直打不通", "院子脏了也不扫", "对来问事的老人说话很冲", "一年到头不见人影钱照收"],
 "fo": ["服务不到位", "收费不透明", "未履行物业服务合同", "公共收益未公示", "保洁不到位", "服务态度差"],
 "e": ["业主意见很大", "不想再交物业费了", "投诉了也没回音"],
 "eo": ["业主意见较大", "多次反映未果"],
 "a": ["住建部门督促物业整改", "公示公共收益", "更换物业公司", "规范物业收费"],
 "sym": ["管理处换了三拨人，每拨来了先涨价，楼里的事一件没办", "交了一年的钱，找他们换个灯泡要等半个月"]},
"public_repair": {
 "o": ["羽毛球网柱", "单杠", "双杠", "扭腰器", "健身器材", "滑梯", "秋千", "跷跷板", "凉亭", "廊架", "连廊顶棚", "雨棚", "宣传栏", "公告栏", "指示牌", "楼号牌", "隔离栏", "铁艺围栏", "单元门", "防盗门", "门禁", "可视对讲", "闭门器", "楼梯扶手", "台阶", "无障碍坡道", "人行道地砖", "小区路面", "井盖", "窨井盖", "电梯", "电梯按钮", "电梯门", "楼道窗户", "楼道灯", "声控灯", "垃圾房的门", "树池盖板", "儿童游乐设施", "沙坑的围边", "门卫室的窗", "大门的伸缩门", "路名牌", "垃圾桶的盖子", "小区大门的门轴", "单元门的玻璃", "地下车库的卷帘门", "花架", "围墙上的铁栏", "门口的台阶扶手", "阅报栏", "饮水台", "楼道的窗把手", "公共洗衣台"],
 "f": ["坏了", "断了", "裂成两半", "掉了一块", "松了一晃一晃", "歪了", "塌了一角", "锈穿了", "翘起来了", "缺了一块", "不见了", "烂了", "变形了", "卡住不动",
       "抬不起来", "关不上", "锁不上", "螺丝都掉了", "螺丝冒出来扎手", "破了个大洞", "没反应", "脱落了挂着晃", "按了不亮", "一踩就哐当响", "不见了只拿几块砖头压着", "丢了上面盖了块木板", "没了就插了个锥桶", "缺了一块用树枝挡着"],
 "fo": ["损坏", "破损", "缺失", "缺失仅临时遮挡", "松动", "脱落", "倾斜变形", "锈蚀损坏", "多日未修复", "损坏后无人维修"],
 "e": ["老人差点摔了", "孩子玩的时候划破了手", "大家都没法用", "进出很不方便", "晚上看不见容易绊倒", "报修了也没人来"],
 "eo": ["影响居民正常使用", "存在安全隐患", "给居民出行带来不便"],
 "a": ["尽快维修", "安排修缮", "补装", "更换损坏设施", "市政部门修复"],
 "sym": ["公园里健身那个角落好几样东西都坏了，螺丝都松了，没人来修", "小区里那几个给人歇脚的东西坏了好久，一坐就摇"]},
"safety_hazard": {
 "o": ["电线", "飞线", "插线板", "电动车", "电瓶", "燃气管", "煤气罐", "液化气钢瓶", "配电箱", "电表箱", "外墙瓷砖", "广告牌", "空调外机架", "围墙",
       "挡土墙", "河边的护栏", "深坑", "挖开的沟", "脚手架", "铁皮棚", "山坡上的石头", "变压器箱", "烧蜂窝煤的炉子", "没装烟道的煤炉", "燃气热水器的烟管"],
 "f": ["从窗户拉下来给电瓶车充电", "推进楼道里充电", "有股臭鸡蛋味怀疑漏气", "冒火花有焦糊味", "松了一块块往下掉", "被风吹得摇摇晃晃",
       "锈断了吊在半空", "裂了好宽的缝随时会倒", "断了一截没人围", "一点围挡都没有", "堆了十几个晒太阳", "门开着小孩去摸", "不开窗差点中毒", "烟直接往楼道里排"],
 "fo": ["私拉电线充电", "存在燃气泄漏隐患", "存在坠落风险", "未设置安全防护", "存在火灾隐患", "有倒塌危险"],
 "e": ["万一起火就完了", "怕触电", "随时可能砸到人", "掉下去就出人命", "孩子天天在旁边玩"],
 "eo": ["存在重大安全隐患", "严重威胁居民生命财产安全"],
 "a": ["立即排查隐患", "燃气公司上门检测", "拆除私拉电线", "设置围挡警示", "应急管理部门处置"],
 "sym": ["单元门口一股子臭鸡蛋味，邻居说是不是谁家管子漏了", "楼外头挂的那块大牌子，一刮风就咣咣响，底下天天有人走",
         "有人把电瓶拎回家插在床边充一夜，楼里住的都是老人"]},
"anti_fraud_legal": {
 "o": ["我妈", "我爸", "家里老人", "我", "邻居阿姨", "我儿子", "楼下的老头"],
 "f": ["被人骗去买保健品花了好几万", "接到冒充公安的电话转了钱", "网上刷单被骗", "被老板拖欠了三个月工资", "交了押金房东不退", "借出去的钱要不回来",
       "被拉进投资群天天让交钱", "听讲座买了上万的床垫", "点了个链接卡里的钱没了", "被冒充社区的人收了钱"],
 "fo": ["疑似遭遇电信诈骗", "被拖欠劳动报酬", "押金纠纷", "疑似被诱导购买高价保健品", "需要法律援助"],
 "e": ["想问问怎么维权", "不知道找谁", "钱还能不能追回来", "怕别的老人也上当"],
 "eo": ["当事人情绪激动", "涉及金额较大"],
 "a": ["提供法律咨询", "反诈中心介入", "法律援助", "劳动监察部门处理"],
 "sym": ["电话里说我爸的卡涉嫌洗钱，要他把钱转到一个账户", "我妈听人说投个钱每个月能返息，把养老钱都投进去了，现在找不到人"]},
"elderly_disabled": {
 "o": ["独居的老太太", "瘫在床上的老人", "八十多岁的老两口", "坐轮椅的住户", "盲人", "空巢老人", "听力不好的老人", "有智力残疾的孩子", "老伴刚走的老爷子"],
 "f": ["好几天没见出门了", "没人照顾吃饭", "进不了单元门", "想申请上门护理", "不会用手机挂号", "摔倒了半天没人发现", "想申请高龄补贴",
       "一个人住总忘了关火", "常忘了关水龙头", "一个人住耳朵背敲门听不见", "吃药老记不住", "一个人吃不下睡不着", "出门老找不到家", "下不了楼买菜"],
 "fo": ["生活无人照料", "需要居家养老服务", "申请助餐服务", "出行存在困难", "需要无障碍改造"],
 "e": ["子女都在外地", "家里人忙不过来", "不知道去哪申请", "怕出意外"],
 "eo": ["生活困难", "需要社区关注"],
 "a": ["社区上门探访", "提供助餐服务", "落实养老补贴", "安排志愿者帮扶", "无障碍改造"],
 "sym": ["楼上那老爷子好几天没动静了，敲门也没人应", "我家老人轮子椅出不了单元门，三个台阶下不去", "我爸中风以后一直躺着，我白天上班家里没人管他"]},
}

# What the desk asks for whatever the category: shared, so that an ask does not decide the category.
ASKS = ["要求物业处理", "要求相关部门处理", "要求尽快解决", "要求派人查看", "要求社区协调", "要求派出所调查", "要求调取监控", "要求城管处理",
        "要求物业及相关部门处理", "要求核实处理", "要求加强巡查", "希望尽快处理", "要求给予答复", "要求整改"]
WHO = ["居民", "市民", "业主", "来电人", "群众", "某小区居民", "家长", "商户", "租户", "老人家属", "网格员", "志愿者"]
VERBS = ["反映", "来电反映", "称", "投诉", "来电称", "诉称", "报告", "来电投诉"]
PLACE_FORMAL = ["", "", "某小区", "幸福路", "老城区", "城中村", "城东社区", "和平里小区", "滨江花园", "镇上", "农贸市场附近", "学校附近",
                "某小区{b}号楼", "{b}号楼{u}单元", "{b}栋", "建设路", "新区", "老职工宿舍"]
PLACE_NOTE = ["{b}#", "{b}#{u}单元", "{b}栋{u}单元", "B区{b}幢", "网格{g}", "东片", "西片{b}号楼", "{b}#楼后", "{b}号楼北侧", "{b}#{u}单元门口", "小区南门",
              "沿街商铺{b}号", "{b}-{u}-{r}"]
PLACE_CASUAL = ["", "", "", "我们小区", "我们楼下", "{b}号楼", "{cb}栋", "{b}栋{u}单元", "楼后面", "小区门口", "东门那边", "我家楼下", "菜场边上", "我们院子里",
                "村口", "学校门口", "老小区", "我们这栋楼"]
CN = "一二三四五六七八九十"
DATES = ["12.3", "11月28日", "周一", "今早", "上午", "下午巡查", "12/05", "昨晚", "10:30", "夜班"]


def pick(rng, xs):
    return xs[rng.randrange(len(xs))]


def fill(rng, text):
    b = rng.randrange(1, 20)
    return text.format(b=b, cb=CN[b - 1] if b <= 10 else "十" + CN[b - 11], u=rng.randrange(1, 6), g=f"{rng.randrange(1, 30):02d}", r=rng.randrange(101, 1802))


def clause(rng, k, category):
    """What is wrong, in plain words: a thing and its trouble (thrown objects: the thing, how it came down and what it hit)."""
    if category == "thrown_objects":
        parts = [pick(rng, k["o"]), pick(rng, k["f"])]
        return "".join(parts) + ("，" + pick(rng, k["hit"]) if rng.random() < 0.7 else "")
    return pick(rng, k["o"]) + pick(rng, k["f"])


# Who does not act, named in passing in a request about something else: every category has such requests, so the
# property company's name does not decide the category by itself.
BLAME = ["物业收了钱也不来弄", "找物业好几次没人理", "物业说不归他们管", "物业推给社区，社区又推给物业", "问物业说等等", "@物业 也没人回",
         "物业来看了一眼就走了"]


def blamed(rng, text, category):
    return f"{text}，{pick(rng, BLAME)}" if category != "property_service" and rng.random() < 0.25 else text


def desk(rng, k, category):
    """The desk operator's or the 12345 call-taker's summary."""
    thing = pick(rng, k["o"])
    fault = pick(rng, k["fo"]) if rng.random() < 0.6 else pick(rng, k["f"])
    if category == "thrown_objects":
        fault = pick(rng, ["有住户", "不明住户", "有人经常", "楼上住户"]) + pick(rng, ["往楼下扔", "从窗口丢下", "从阳台甩下"]) + thing
        thing = ""
        if rng.random() < 0.5:
            fault = pick(rng, ["停放的车辆被", "晾晒的衣物被", "楼下行人被", "一楼雨棚被"]) + pick(rng, ["高处坠落的", "楼上抛下的", "高空落下的"]) + pick(rng, k["o"]) + pick(rng, ["砸中", "砸坏", "污损", "砸伤"])
    place = fill(rng, pick(rng, PLACE_FORMAL))
    ask = pick(rng, k["a"]) if rng.random() < 0.5 else pick(rng, ASKS).removeprefix("要求")
    effect = pick(rng, k["eo"])
    form = rng.randrange(6)
    who, verb = pick(rng, WHO), pick(rng, VERBS)
    if form == 0:
        return f"{who}{verb}{place}{thing}{fault}，{effect}，要求{ask}。"
    if form == 1:
        return f"来电人诉求：{place}{thing}{fault}，{pick(rng, ['已持续多日', '已多次反映', '至今未解决', ''])}，希望{ask}。".replace("，，", "，")
    if form == 2:
        return f"市民来电反映{place}{thing}{fault}。诉求：{ask}。"
    if form == 3:
        return f"【12345工单】{who}{verb}：{place}{thing}{fault}，{effect}。请{pick(rng, ['属地社区', '相关部门', '街道'])}核实处理。"
    if form == 4:
        return f"{who}{verb}{place}{thing}{fault}，{pick(rng, ['多日未修复', '长期未解决', '多次协商无果', '近期频繁发生'])}，要求{ask}。"
    return f"{verb.removeprefix('来电')}{place}{thing}{fault}，{effect}。"


def patrol(rng, k, category):
    """A grid worker's patrol note or a property company's log line, typed on a phone."""
    place = fill(rng, pick(rng, PLACE_NOTE))
    what = clause(rng, k, category) if rng.random() < 0.6 else pick(rng, k["o"]) + pick(rng, k["fo"])
    form = rng.randrange(6)
    if form == 0:
        return f"{pick(rng, DATES)}巡查发现{place}{what}，已拍照上报"
    if form == 1:
        return f"网格巡查：{place} {what}，{pick(rng, ['已告知物业', '已联系住户', '待处理', '已上报街道', '需协调'])}"
    if form == 2:
        return f"报修登记 {place} {what}。处理情况：{pick(rng, ['已派维修工', '待跟进', '材料未到', '已通知相关单位', '师傅明天上门'])}"
    if form == 3:
        return f"{fill(rng, '{b}-{u}-{r}')}业主来电：{what}，{pick(rng, ['要求尽快处理', '已登记', '请工程部查看', '客服已回访'])}"
    if form == 4:
        return f"巡检记录 {pick(rng, DATES)} {place}：{what}"
    return f"{place}{what} 已上报 {pick(rng, ['网格', '社区', '工单系统', '物业群'])}"


FILLERS = ["那个", "就是", "嗯", "呃", "然后", "这个", "对", "就是说", "怎么说呢", "喂"]
HOMOPHONES = [("楼道", "楼到"), ("电梯", "电题"), ("物业", "无业"), ("水压", "水鸭"), ("井盖", "井概"), ("路灯", "路等"), ("消防", "小方"),
              ("漏水", "露水"), ("下水道", "下水到"), ("垃圾", "拉鸡"), ("邻居", "林居"), ("噪音", "造音"), ("燃气", "然气"), ("通道", "通到"),
              ("停车", "听车"), ("栏杆", "蓝杆"), ("维修", "为修"), ("师傅", "师父"), ("扶手", "扶首"), ("业主", "叶主"), ("楼上", "楼尚"),
              ("化粪池", "化分池"), ("充电", "冲电"), ("小区", "小曲"), ("报修", "抱修"), ("坏了", "怀了"), ("树枝", "树之"), ("车位", "车味")]


def transcript(rng, k, category):
    """A call as speech-to-text writes it: fillers between the pieces, sound-alike words, no punctuation."""
    pieces = [fill(rng, pick(rng, PLACE_CASUAL)), clause(rng, k, category)]
    if rng.random() < 0.6:
        pieces.append(pick(rng, k["e"]))
    out = ["喂" if rng.random() < 0.3 else ""]
    for piece in pieces:
        if piece:
            out += [pick(rng, FILLERS) if rng.random() < 0.7 else "", piece]
    text = " ".join(x for x in out if x)
    for _ in range(rng.randrange(3)):
        a, b = pick(rng, HOMOPHONES)
        text = text.replace(a, b, 1)
    text = "".join(ch for ch in text if ch not in "，。！？")
    return text if rng.random() < 0.5 else text.replace(" ", "")


# Regional speech: word substitutions, openings and sentence-final particles of each region.
REGIONS = {
 "south-west": ([("什么", "啥子"), ("没有", "莫得"), ("怎么", "咋个"), ("孩子", "娃儿"), ("知道", "晓得"), ("下雨", "落雨"), ("院子", "院坝"), ("头", "脑壳"),
                 ("很", "好"), ("被", "遭"), ("麻烦", "恼火")], ["哎呀", "我跟你说嘛", "是这样子的", "我们这儿哦"], ["哦", "嘛", "得嘛", "噻", "哈"]),
 "north-east": ([("怎么办", "咋整"), ("什么", "啥"), ("很", "贼"), ("特别", "老"), ("脏", "埋汰"), ("这里", "这旮沓"), ("干什么", "嘎哈"), ("弄", "整")],
                ["哎妈呀", "我跟你唠唠", "那啥", "大兄弟"], ["啊", "呗", "呢", "哪"]),
 "henan": ([("我", "俺"), ("我们", "俺们"), ("你们", "恁"), ("什么", "啥"), ("怎么", "咋"), ("很", "可"), ("好", "中")], ["哎", "俺跟恁说", "那个啥"],
           ["嘞", "哩", "啊"]),
 "cantonese": ([("没有", "冇"), ("的", "嘅"), ("他", "佢"), ("是", "系"), ("不", "唔"), ("下雨", "落雨"), ("这些", "呢啲"), ("谁", "边个"), ("了", "咗"),
                ("消防通道", "走火通道")], ["唔该", "我想讲下", "喂你好"], ["啊", "喔", "啦", "嘅"]),
 "wu": ([("我们", "阿拉"), ("他", "伊"), ("不要", "覅"), ("你", "侬"), ("很", "老"), ("时候", "辰光"), ("下雨", "落雨"), ("巷子", "弄堂"), ("不", "勿")],
        ["侬好", "我跟侬讲", "是迭能个"], ["呀", "额", "伐"]),
}


def spoken(rng, k, category):
    """An older caller in a regional Mandarin: often only the symptoms, roundabout, with the region's words."""
    region = REGIONS[pick(rng, sorted(REGIONS))]
    words, openers, particles = region
    body = pick(rng, k["sym"]) if rng.random() < 0.5 else f"{fill(rng, pick(rng, PLACE_CASUAL))}{clause(rng, k, category)}，{pick(rng, k['e'])}"
    text = f"{pick(rng, openers)}，{body}"
    for a, b in words:
        if a in text and rng.random() < 0.6:
            text = text.replace(a, b)
    tail = pick(rng, ["你们管不管", "这可咋办", "找哪个", "帮帮忙", "派个人来看下", "我们老了搞不动", ""])
    return f"{text}{pick(rng, particles)}，{tail}".rstrip("，")


def wechat(rng, k, category):
    """A WeChat group message: short, @ the property company, shorthand, several exclamation marks."""
    what = clause(rng, k, category)
    place = fill(rng, pick(rng, PLACE_CASUAL))
    form = rng.randrange(7)
    if form == 0:
        return f"@物业 {place}{what} 有人管没"
    if form == 1:
        return f"[图片] {place}{what}！！"
    if form == 2:
        return f"{what} 谁来弄一下{pick(rng, ['', '啊', '呗', '！'])}"
    if form == 3:
        return f"+1 {place}也是{pick(rng, k['f'])}"
    if form == 4:
        return f"{place}{blamed(rng, what, category)} {pick(rng, k['e'])} 有木有人管"
    if form == 5:
        return f"{pick(rng, ['各位邻居', '群里的', '@管家'])} {place}{what}，{pick(rng, ['咋办', '谁知道找谁', '麻烦看下', '太离谱了'])}"
    return f"{what}{pick(rng, ['...', '??', '。。。', ' 无语', ' 服了'])}"


def casual(rng, k, category):
    """A younger resident typing: a renter, a parent, a shop owner, a grandchild reporting for a grandparent."""
    return blamed(rng, _casual(rng, k, category), category)


def _casual(rng, k, category):
    who = pick(rng, ["租的房子", "刚搬来", "我家娃说", "替我奶奶问下", "开店的", "下班路过", "送孩子的时候看到", "楼下小卖部老板说", ""])
    return f"{who}{' ' if who else ''}{fill(rng, pick(rng, PLACE_CASUAL))}{clause(rng, k, category)} {pick(rng, k['e'])}".strip()


def two(rng, k, category, others):
    """Two problems, one that matters: the other category's trouble is named in passing, the main one is stressed."""
    main = clause(rng, k, category)
    other = clause(rng, K[others], others)
    form = rng.randrange(4)
    if form == 0:
        return f"{main}，另外{other}，不过主要是前面那个"
    if form == 1:
        return f"{other}倒是小事，最要紧的是{main}"
    if form == 2:
        return f"{blamed(rng, main, category)}，{pick(rng, k['e'])}。顺便说一下{other}"
    return f"{fill(rng, pick(rng, PLACE_CASUAL))}{main}，还有{other}，先把{pick(rng, k['o']) if category != 'thrown_objects' else '扔东西'}这个解决了"


REGISTERS = [(desk, 3), (patrol, 2), (transcript, 2), (spoken, 2), (wechat, 2), (casual, 1), (two, 1)]


def distinct(categories, per_category, make, taken):
    """Per category, up to per_category lines `category<TAB>text` made by make(category), none empty and none repeating
    a line in taken (to which each is added), giving up on a category after 20 tries a line. Shared by every generator
    of the corpus, so each stream of random choices turns into lines the same way."""
    lines = []
    for category in categories:
        made = tries = 0
        while made < per_category and tries < per_category * 20:
            tries += 1
            text = make(category)
            if not text or (category, text) in taken:
                continue
            taken.add((category, text))
            lines.append(f"{category}\t{text}")
            made += 1
    return lines


def voices(rng, per_category, taken):
    """Per category, per_category requests across the registers (weighted as above), none repeating a line already made."""
    weights = [w for _, w in REGISTERS]
    categories = sorted(K)

    def make(category):
        k = K[category]
        render = rng.choices([r for r, _ in REGISTERS], weights)[0]
        text = render(rng, k, category, pick(rng, [c for c in categories if c != category])) if render is two else render(rng, k, category)
        return text.replace("，，", "，").replace("。，", "，").strip("，").strip()

    return distinct(categories, per_category, make, taken)
